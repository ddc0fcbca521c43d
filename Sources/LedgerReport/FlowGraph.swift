import LedgerProjection

/// The flows as an SVG graph, laid out by rule so the same views always give the same drawing:
/// a bipartite drawing with every providing organisation on the left and every receiving one on
/// the right (an organisation that does both appears on both sides), the left ordered by kind
/// then id, the right by the mean height of its providers (fewer crossings) then id, and
/// organisations in no flow listed at the bottom right. One arrow per provider → recipient →
/// dataset, its width by records (square root, so a small flow stays visible beside a large
/// one), coloured by the dataset's sharing class, red when it carries a violation and linked to
/// that violation's exchange. Beyond ``ReportOptions/maxGraphOrganisations`` organisations and
/// ``ReportOptions/maxGraphFlows`` flows it aggregates: the rest become one node per side and
/// one counted arrow per pair of nodes, so the page stays readable and small at any size.
struct FlowGraph {
    /// A drawn organisation on one side, or the aggregate of those not drawn one by one.
    struct Node {
        let key: String, name: String, kind: String, column: Int
        var members = 1
        var x = 0.0, y = 0.0
        /// In no flow at all (drawn muted).
        var idle = false
    }

    /// A drawn arrow: one flow, or several counted together.
    struct Edge {
        let from: Int, to: Int
        let flows: [FlowView]
        let violation: ViolationView?
        /// One flow drawn as itself (false: flows counted together).
        let single: Bool
        var records: Int64 { flows.reduce(0) { $0 + $1.records } }
    }

    static let nodeWidth = 236.0, nodeHeight = 46.0, rowHeight = 64.0, top = 52.0
    static let width = 1176.0
    static let columnX = [20.0, 1176.0 - 20 - 236]

    private(set) var nodes: [Node] = []
    private(set) var edges: [Edge] = []
    /// Whether organisations or flows were aggregated.
    private(set) var aggregated = false
    let height: Double

    init(views: ReportViews, options: ReportOptions, strings: ReportStrings) {
        var sends = Set<String>(), receives = Set<String>(), volume: [String: Int64] = [:]
        for flow in views.flows {
            sends.insert(flow.provider); receives.insert(flow.recipient)
            volume[flow.provider, default: 0] += flow.records
            volume[flow.recipient, default: 0] += flow.records
        }
        var firstViolation: [String: ViolationView] = [:]
        var inViolation = Set<String>()
        for violation in views.violations {
            let key = Self.flowKey(violation.provider, violation.recipient, violation.dataset)
            if firstViolation[key] == nil { firstViolation[key] = violation }
            inViolation.insert(violation.provider); inViolation.insert(violation.recipient)
        }
        // Which organisations are drawn one by one: all when they fit; otherwise those in a
        // violation, then the largest by records, leaving room for the aggregates.
        let limit = max(options.maxGraphOrganisations, 4)
        var drawn = Set(views.parties.map(\.party))
        if views.parties.count > limit {
            aggregated = true
            let ranked = views.parties.sorted {
                let a = (inViolation.contains($0.party) ? 1 : 0, volume[$0.party] ?? 0), b = (inViolation.contains($1.party) ? 1 : 0, volume[$1.party] ?? 0)
                return a != b ? a > b : $0.party < $1.party
            }
            drawn = Set(ranked.prefix(limit - 2).map(\.party))
        }
        let byKind = views.parties.sorted { (Self.kindOrder($0.kind), $0.party) < (Self.kindOrder($1.kind), $1.party) }
        // Left: providers.
        var left: [String: Int] = [:], right: [String: Int] = [:]
        var otherLeft: Int?, otherRight: Int?
        for party in byKind where sends.contains(party.party) && drawn.contains(party.party) {
            left[party.party] = nodes.count
            nodes.append(Node(key: party.party, name: party.name, kind: party.kind, column: 0))
        }
        for party in byKind where sends.contains(party.party) && !drawn.contains(party.party) {
            if otherLeft == nil { otherLeft = nodes.count; nodes.append(Node(key: "other-providers", name: strings.otherOrganisations, kind: "other", column: 0)) }
            else { nodes[otherLeft!].members += 1 }
            left[party.party] = otherLeft
        }
        for n in nodes.indices { nodes[n].y = Double(n) }
        // Right: recipients, by the mean position of their providers.
        var providerRows: [String: [Double]] = [:]
        for flow in views.flows { providerRows[flow.recipient, default: []].append(Double(left[flow.provider]!)) }
        func centre(_ party: String) -> Double { let rows = providerRows[party] ?? [0]; return rows.reduce(0, +) / Double(rows.count) }
        let recipients = byKind.filter { receives.contains($0.party) }
            .sorted { (centre($0.party), Self.kindOrder($0.kind), $0.party) < (centre($1.party), Self.kindOrder($1.kind), $1.party) }
        let firstRight = nodes.count
        for party in recipients where drawn.contains(party.party) {
            right[party.party] = nodes.count
            nodes.append(Node(key: party.party, name: party.name, kind: party.kind, column: 1))
        }
        for party in recipients where !drawn.contains(party.party) {
            if otherRight == nil { otherRight = nodes.count; nodes.append(Node(key: "other-recipients", name: strings.otherOrganisations, kind: "other", column: 1)) }
            else { nodes[otherRight!].members += 1 }
            right[party.party] = otherRight
        }
        var idle = Node(key: "other-idle", name: strings.otherOrganisations, kind: "other", column: 1, members: 0, idle: true)
        for party in byKind where !sends.contains(party.party) && !receives.contains(party.party) {
            if drawn.contains(party.party) {
                nodes.append(Node(key: party.party, name: party.name, kind: party.kind, column: 1, idle: true))
            } else {
                idle.members += 1
            }
        }
        if idle.members > 0 { nodes.append(idle) }
        let rows = [firstRight, nodes.count - firstRight]
        let tallest = max(rows.max() ?? 1, 1)
        for n in nodes.indices {
            let c = nodes[n].column
            let index = Double(c == 0 ? n : n - firstRight)
            // The shorter side is spread over the taller one's height, so arrows fan out evenly.
            let spacing = Double(tallest) * Self.rowHeight / Double(max(rows[c], 1))
            nodes[n].x = Self.columnX[c]
            nodes[n].y = Self.top + (spacing - Self.rowHeight) / 2 + index * spacing
        }
        height = Self.top + Double(tallest) * Self.rowHeight + 8

        // Which flows are drawn one by one: violations first, then the largest.
        var flows = views.flows
        var rest: [FlowView] = []
        let aggregatedNodes = otherLeft != nil || otherRight != nil
        if flows.count > options.maxGraphFlows || aggregatedNodes {
            let ranked = flows.sorted {
                let a = (firstViolation[Self.flowKey($0.provider, $0.recipient, $0.dataset)] != nil ? 1 : 0, $0.records)
                let b = (firstViolation[Self.flowKey($1.provider, $1.recipient, $1.dataset)] != nil ? 1 : 0, $1.records)
                return a != b ? a > b : ($0.provider, $0.recipient, $0.dataset) < ($1.provider, $1.recipient, $1.dataset)
            }
            // A flow touching an aggregate node is counted with its pair, not drawn alone.
            let alone = ranked.filter { drawn.contains($0.provider) && drawn.contains($0.recipient) }
            flows = Array(alone.prefix(options.maxGraphFlows))
            let kept = Set(flows.map { Self.flowKey($0.provider, $0.recipient, $0.dataset) })
            rest = ranked.filter { !kept.contains(Self.flowKey($0.provider, $0.recipient, $0.dataset)) }
            if !rest.isEmpty { aggregated = true }
            flows.sort { ($0.provider, $0.recipient, $0.dataset) < ($1.provider, $1.recipient, $1.dataset) }
        }
        for flow in flows {
            edges.append(Edge(from: left[flow.provider]!, to: right[flow.recipient]!, flows: [flow],
                              violation: firstViolation[Self.flowKey(flow.provider, flow.recipient, flow.dataset)], single: true))
        }
        var pairs: [Int: [FlowView]] = [:]
        for flow in rest { pairs[left[flow.provider]! * nodes.count + right[flow.recipient]!, default: []].append(flow) }
        for pair in pairs.keys.sorted() {
            edges.append(Edge(from: pair / nodes.count, to: pair % nodes.count, flows: pairs[pair]!, violation: nil, single: false))
        }
    }

    /// `provider recipient dataset`, the identity of a flow (ids hold no spaces).
    static func flowKey(_ provider: String, _ recipient: String, _ dataset: String) -> String {
        provider + " " + recipient + " " + dataset
    }

    static func kindOrder(_ kind: String) -> Int {
        ["government": 0, "regulator": 1, "enterprise": 2, "organization": 3][kind] ?? 4
    }

    /// Fill and stroke per kind of organisation.
    static func colours(_ kind: String) -> (fill: String, stroke: String) {
        switch kind {
        case "government": return ("#e4eefb", "#1f5fae")
        case "regulator": return ("#dff3ef", "#0b7a69")
        case "enterprise": return ("#fdf0dc", "#b5650d")
        case "organization": return ("#efe9f8", "#6b4ea0")
        default: return ("#eeeeee", "#777777")
        }
    }

    /// Stroke colour per sharing class.
    static func colour(sharing: String) -> String {
        switch sharing {
        case "open": return "#3a8d3f"
        case "none": return "#5d4037"
        default: return "#4a6fa5"
        }
    }

    /// Writes the graph as one `<svg>` element.
    func write(to html: inout HTMLWriter, views: ReportViews, strings: ReportStrings) {
        let datasets = Dictionary(views.datasets.map { ($0.dataset, $0) }, uniquingKeysWith: { a, _ in a })
        let maxRecords = Double(max(edges.map(\.records).max() ?? 1, 1))
        html.raw("<svg class=\"graph\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(Self.width)) \(f(height))\" width=\"\(f(Self.width))\" height=\"\(f(height))\" role=\"img\">")
        html.raw("<defs>")
        for (name, colour) in [("open", Self.colour(sharing: "open")), ("conditional", Self.colour(sharing: "conditional")),
                               ("none", Self.colour(sharing: "none")), ("violation", "#c62828"), ("other", "#8a8a8a")] {
            html.raw("<marker id=\"arrow-\(name)\" viewBox=\"0 0 10 10\" refX=\"8\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"13\" markerHeight=\"13\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"\(colour)\"/></marker>")
        }
        html.raw("</defs>")
        for (c, title) in [strings.columnProviders, strings.columnRecipients].enumerated() {
            html.raw("<text class=\"column\" x=\"\(f(Self.columnX[c] + Self.nodeWidth / 2))\" y=\"30\" text-anchor=\"middle\">")
            html.text(title)
            html.raw("</text>")
        }
        // Attach points: each node's arrows spread along its side, ordered by the other end's
        // height, so arrows leave and arrive without crossing at the node.
        var outgoing: [Int: [Int]] = [:], incoming: [Int: [Int]] = [:]
        for (e, edge) in edges.enumerated() { outgoing[edge.from, default: []].append(e); incoming[edge.to, default: []].append(e) }
        var start = [Double](repeating: 0, count: edges.count), end = [Double](repeating: 0, count: edges.count)
        for (node, list) in outgoing {
            let sorted = list.sorted { (nodes[edges[$0].to].y, $0) < (nodes[edges[$1].to].y, $1) }
            for (i, e) in sorted.enumerated() { start[e] = nodes[node].y + Self.nodeHeight * Double(i + 1) / Double(sorted.count + 1) }
        }
        for (node, list) in incoming {
            let sorted = list.sorted { (nodes[edges[$0].from].y, $0) < (nodes[edges[$1].from].y, $1) }
            for (i, e) in sorted.enumerated() { end[e] = nodes[node].y + Self.nodeHeight * Double(i + 1) / Double(sorted.count + 1) }
        }
        // Labels only while they can be read; beyond that each arrow's title carries the same.
        let labelled = edges.count <= 60
        // Many arrows: fainter, so where they bundle the colours still show.
        let dense = !labelled
        var labels = HTMLWriter(capacity: 4096)
        var taken: [(x: Double, y: Double, width: Double)] = []
        for (e, edge) in edges.enumerated() {
            let source = nodes[edge.from], target = nodes[edge.to]
            let x1 = source.x + Self.nodeWidth, y1 = start[e]
            let x2 = target.x - 1, y2 = end[e]
            let dx = (x2 - x1) / 2
            let path = "M\(f(x1)),\(f(y1)) C\(f(x1 + dx)),\(f(y1)) \(f(x2 - dx)),\(f(y2)) \(f(x2)),\(f(y2))"
            let width = 1.5 + 5.5 * (Double(edge.records) / maxRecords).squareRoot()
            let dataset = edge.single ? datasets[edge.flows[0].dataset] : nil
            let style = edge.violation != nil ? "violation" : (edge.single ? (dataset?.sharing ?? "conditional") : "other")
            let colour = edge.violation != nil ? "#c62828" : (edge.single ? Self.colour(sharing: dataset?.sharing ?? "conditional") : "#8a8a8a")
            if edge.single {
                let flow = edge.flows[0]
                html.raw("<g class=\"edge\(edge.violation != nil ? " violation" : "")\" data-flow=\"")
                html.text(Self.flowKey(flow.provider, flow.recipient, flow.dataset))
                html.raw("\" data-records=\"\(flow.records)\">")
            } else {
                html.raw("<g class=\"edge aggregate\" data-flows=\"\(edge.flows.count)\" data-records=\"\(edge.records)\">")
            }
            if let violation = edge.violation {
                html.raw("<a href=\"#\(HTMLWriter.anchor(exchange: violation.exchange))\">")
            }
            html.raw("<path d=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"\(f(width))\" stroke-opacity=\"\(edge.violation != nil ? (dense ? "0.7" : "0.9") : (dense ? "0.35" : "0.6"))\" marker-end=\"url(#arrow-\(style))\"><title>")
            if edge.single {
                let flow = edge.flows[0]
                html.text("\(flow.provider) → \(flow.recipient): \(flow.dataset)")
                if let dataset { html.text(" (\(strings.value(dataset.sharing)), \(strings.value(dataset.level)))") }
                html.text("; \(grouped(flow.exchanges)) \(strings.exchangesWord), \(grouped(flow.records)) \(strings.recordsWord)")
                if let violation = edge.violation { html.text("; \(strings.violationEdge) \(violation.rule), seq \(violation.seq)") }
            } else {
                html.text("\(source.name) → \(target.name): \(grouped(Int64(edge.flows.count))) \(strings.moreFlows), \(grouped(edge.records)) \(strings.recordsWord)")
            }
            html.raw("</title></path>")
            if edge.violation != nil { html.raw("</a>") }
            html.raw("</g>")
            guard labelled else { continue }
            var text = HTMLWriter(capacity: 128)
            var characters = 0
            if edge.single, let dataset {
                text.text(dataset.dataset)
                let meta = " · \(strings.value(dataset.sharing)) · \(strings.value(dataset.level))"
                text.raw("<tspan class=\"meta\">"); text.text(meta); text.raw("</tspan>")
                characters = dataset.dataset.count + meta.count * (strings.value("open") == "open" ? 1 : 2)
                if let violation = edge.violation {
                    text.raw("<tspan class=\"rule\"> ⚠ "); text.text(violation.rule); text.raw("</tspan>")
                    characters += 5
                }
            } else {
                let words = edge.single ? edge.flows[0].dataset : "+\(grouped(Int64(edge.flows.count))) \(strings.moreFlows)"
                text.text(words)
                characters = words.count * 2
            }
            // The label sits on its arrow where it overlaps no label placed before it: the
            // middle of the curve first, then points nearer either end.
            let labelWidth = Double(characters) * 5.6
            var placed = (x: 0.0, y: 0.0)
            for t in [0.5, 0.4, 0.6, 0.32, 0.68, 0.25, 0.75, 0.5] {
                let u = 1 - t
                let x = u * u * u * x1 + 3 * u * u * t * (x1 + dx) + 3 * u * t * t * (x2 - dx) + t * t * t * x2
                let y = u * u * u * y1 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y2
                placed = (x, y)
                if !taken.contains(where: { abs($0.x - x) < ($0.width + labelWidth) / 2 + 4 && abs($0.y - y) < 14 }) { break }
            }
            taken.append((placed.x, placed.y, labelWidth))
            labels.raw("<text class=\"label\(edge.violation != nil ? " bad" : "")\" x=\"\(f(placed.x))\" y=\"\(f(placed.y - 4))\" text-anchor=\"middle\">")
            labels.raw(String(decoding: text.bytes, as: UTF8.self))
            labels.raw("</text>")
        }
        html.raw("<g class=\"labels\">")
        html.raw(String(decoding: labels.bytes, as: UTF8.self))
        html.raw("</g>")
        for node in nodes {
            let (fill, stroke) = Self.colours(node.kind)
            html.raw("<g class=\"node\(node.idle ? " idle" : "")\" data-party=\"")
            html.text(node.key)
            html.raw("\"><rect x=\"\(f(node.x))\" y=\"\(f(node.y))\" width=\"\(f(Self.nodeWidth))\" height=\"\(f(Self.nodeHeight))\" rx=\"7\" fill=\"\(fill)\" stroke=\"\(stroke)\" stroke-width=\"1.5\"\(node.idle ? " stroke-dasharray=\"4 3\"" : "")/>")
            html.raw("<rect x=\"\(f(node.x))\" y=\"\(f(node.y))\" width=\"6\" height=\"\(f(Self.nodeHeight))\" rx=\"2\" fill=\"\(stroke)\"/>")
            html.raw("<text class=\"name\" x=\"\(f(node.x + 14))\" y=\"\(f(node.y + 19))\">")
            html.text(Self.clipped(node.name, 30))
            html.raw("</text><text class=\"id\" x=\"\(f(node.x + 14))\" y=\"\(f(node.y + 36))\">")
            html.text(node.kind == "other" ? "\(grouped(Int64(node.members))) \(strings.organisations)" : Self.clipped("\(node.key) · \(strings.value(node.kind))", 36))
            html.raw("</text><title>")
            html.text(node.kind == "other" ? node.name : "\(node.name) (\(node.key), \(strings.value(node.kind)))")
            html.raw("</title></g>")
        }
        html.raw("</svg>")
    }

    /// At most `limit` characters, with an ellipsis when cut.
    static func clipped(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}

/// A coordinate with one decimal at most, written the same way on every machine.
func f(_ value: Double) -> String {
    let tenths = Int64((value * 10).rounded())
    let sign = tenths < 0 ? "-" : "", magnitude = tenths.magnitude
    return sign + (magnitude % 10 == 0 ? String(magnitude / 10) : String(magnitude / 10) + "." + String(magnitude % 10))
}
