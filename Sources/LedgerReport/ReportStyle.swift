/// The report's only stylesheet, inline in its `<head>`: system fonts (no web font, no request),
/// print-friendly, and the colours the graph's legend names.
enum ReportStyle {
    static let css = """
    :root{--ink:#1d2733;--muted:#5b6878;--line:#d9dee5;--panel:#f6f8fa;--accent:#1f5fae;--bad:#c62828;--ok:#2e7d32;--warn:#b5650d}
    *{box-sizing:border-box}
    body{margin:0;background:#eef1f5;color:var(--ink);font:14px/1.45 "Noto Sans","Noto Sans CJK SC","PingFang SC","Microsoft YaHei","Helvetica Neue",Arial,sans-serif}
    main{max-width:1240px;margin:0 auto;padding:28px 32px 48px;background:#fff;min-height:100vh}
    header{border-bottom:3px solid var(--accent);padding-bottom:14px;margin-bottom:18px}
    h1{font-size:26px;margin:0 0 4px;letter-spacing:.2px}
    .subtitle{color:var(--muted);margin:0}
    h2{font-size:19px;margin:30px 0 10px;padding-bottom:6px;border-bottom:1px solid var(--line)}
    h3{font-size:15px;margin:18px 0 6px}
    nav{font-size:13px;color:var(--muted);margin:8px 0 0}
    nav a{color:var(--accent);text-decoration:none;margin-right:14px}
    .verdict{display:flex;align-items:center;gap:14px;padding:14px 18px;border-radius:8px;margin:14px 0;font-size:17px;font-weight:600}
    .verdict.intact{background:#e6f4ea;color:#1b5e20;border:1px solid #a5d6a7}
    .verdict.violations{background:#fff4e0;color:#8a4b00;border:1px solid #f3c77a}
    .verdict.broken,.verdict.error{background:#fdeaea;color:#8e1b1b;border:1px solid #ef9a9a}
    .verdict .badge{font-size:12px;font-weight:600;padding:3px 9px;border-radius:12px;background:rgba(0,0,0,.08)}
    .counts{display:flex;gap:12px;flex-wrap:wrap;margin:10px 0 4px}
    .count{flex:1 1 130px;background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:10px 14px}
    .count b{display:block;font-size:22px}
    .count span{color:var(--muted);font-size:12px}
    .count.bad b{color:var(--bad)}
    dl.facts{display:grid;grid-template-columns:200px 1fr;gap:6px 16px;margin:8px 0}
    dl.facts dt{color:var(--muted)}
    dl.facts dd{margin:0;word-break:break-all}
    code,.mono{font-family:"DejaVu Sans Mono","Noto Sans Mono",Menlo,Consolas,monospace;font-size:12.5px}
    table{border-collapse:collapse;width:100%;margin:6px 0 10px;font-size:13px}
    th{background:var(--panel);text-align:left;font-weight:600;color:#344050;border-bottom:2px solid var(--line);padding:6px 8px;white-space:nowrap}
    td{border-bottom:1px solid var(--line);padding:5px 8px;vertical-align:top}
    td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
    td.seq{font-family:"DejaVu Sans Mono",Menlo,monospace;font-size:12px;white-space:nowrap;color:#344050}
    tr:target{background:#fff3c4}
    .pill{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;background:#eceff3;white-space:nowrap}
    .pill.bad{background:#fdeaea;color:var(--bad)}
    .pill.ok{background:#e6f4ea;color:var(--ok)}
    .pill.warn{background:#fff4e0;color:var(--warn)}
    .rule{margin:14px 0 4px}
    .rule .code{display:inline-block;background:var(--bad);color:#fff;border-radius:4px;padding:0 7px;margin-right:8px;font-weight:700}
    .explain{color:var(--muted);margin:2px 0 6px}
    .note,.muted{color:var(--muted);font-size:12.5px}
    .legend{display:flex;flex-wrap:wrap;gap:16px;font-size:12.5px;color:var(--muted);margin:6px 0 8px}
    .legend i{display:inline-block;width:14px;height:14px;border-radius:3px;vertical-align:-2px;margin-right:5px;border:1.5px solid}
    .legend s{display:inline-block;width:22px;height:0;border-top:4px solid;vertical-align:3px;margin-right:5px;text-decoration:none}
    .scroll{overflow-x:auto;border:1px solid var(--line);border-radius:8px;background:#fbfcfd}
    svg text{font-family:"Noto Sans","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",Arial,sans-serif}
    svg.graph text.name{font-size:13px;font-weight:600;fill:#1d2733}
    svg.graph text.id{font-size:11px;fill:#5b6878}
    svg.graph text.column{font-size:12px;fill:#5b6878;font-weight:600;letter-spacing:.5px;text-transform:uppercase}
    svg.graph text.label{font-size:11px;fill:#2c3a4a;paint-order:stroke;stroke:#fbfcfd;stroke-width:4px;stroke-linejoin:round}
    svg.graph text.label .meta{fill:#5b6878}
    svg.graph text.label.bad,svg.graph text.label .rule{fill:#c62828;font-weight:600}
    svg.graph g.node.idle{opacity:.7}
    svg.graph g.edge.violation path{filter:drop-shadow(0 0 2px rgba(198,40,40,.45))}
    svg.chart .bar{fill:#4a6fa5}
    svg.chart .grid{stroke:#e3e7ec}
    svg.chart .tick{font-size:11px;fill:#5b6878}
    svg.chart .value{font-size:10.5px;fill:#344050}
    footer{margin-top:34px;padding-top:12px;border-top:1px solid var(--line);color:var(--muted);font-size:12px}
    @media print{body{background:#fff}main{padding:0;max-width:none}.scroll{overflow:visible}}
    """
}
