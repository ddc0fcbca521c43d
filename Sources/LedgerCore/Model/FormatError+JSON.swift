extension FormatError {
    /// A refusal of ``InputJSON`` as a format error of the member it is in:
    /// `body.note: byte 57: duplicate key "note": …` (the byte 1-based, counted in the input).
    init(inputJSON error: CanonicalJSONError) {
        self.init(.invalidJSON, field: error.path, "byte \(error.offset + 1): \(error.detail)")
    }

    /// A refusal of the canonical parser as a format error of the member it is in, with `advice`
    /// after it: `event.body: not canonical JSON at byte 57: … (advice)`.
    init(canonicalJSON error: CanonicalJSONError, advice: String) {
        self.init(.notCanonical, field: error.path, "not canonical JSON at \(error.description) (\(advice))")
    }
}
