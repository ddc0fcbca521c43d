// LedgerReport: the regulator's report (one self-contained HTML file), built from the views and
// the verifier's verdict.
