import LedgerCore

/// Every phrase of the report in one language (``ReportLanguage``). A struct rather than a
/// dictionary so a phrase missing from one language is a compile error, not a blank on the page.
struct ReportStrings: Sendable {
    let title, subtitle, contents: String
    let provenance, graph, violations, grants, attention, quality, findings, perDay, datasets: String
    let origin, suite, operatorKey, size, entries, latestCheckpoint, rootHash, cosignatures, verdict, checked, checkedWhen, checkedBy: String
    let noCheckpoint, operatorSignature, witnessVerified, witnessUnchecked, keyGiven, keyFromLedger: String
    let whatChecked: String
    let signaturesChecked, segments, checkpointsRecomputed, breakAt: String
    let trustedPrefix, rememberedPrefix: String
    let verdictIntact, verdictViolations, verdictBroken, verdictError: String
    let seq, exchange, dataset, provider, recipient, detail, related, grant, grantee, owner, purpose, validity, status, records, bytes: String
    let time, ack, ruleVerdict, reporter, dimension, severity, note, regulator, subject, finding, titleColumn, sharing, level, fields: String
    let flows, organisations, none, moreNotShown, proofHint, graphLegend, graphAggregated, otherOrganisations, moreFlows: String
    let violationEdge, exchangesWord, recordsWord, perDayCaption: String
    let columnProviders, columnRecipients: String
    let findingsMismatch: String
    let kinds: [String: String]
    let values: [String: String]
    let ruleTitles: [PolicyRule: String]
    let ruleExplanations: [PolicyRule: String]

    /// A value from the log's vocabulary (kind, sharing, level, status, ack, severity,
    /// dimension) in this language; anything else as it is.
    func value(_ raw: String) -> String { values[raw] ?? kinds[raw] ?? raw }

    static let english = ReportStrings(
        title: "Data exchange report", subtitle: "Who sent which data to whom, what broke which rule, and whether the ledger is intact",
        contents: "Contents",
        provenance: "Provenance and verdict", graph: "Data flows", violations: "Policy violations", grants: "Grants",
        attention: "Exchanges awaiting, overdue or in discrepancy", quality: "Quality feedback", findings: "Audit findings",
        perDay: "Exchanges per day", datasets: "Datasets",
        origin: "Origin", suite: "Crypto suite", operatorKey: "Operator verifier key", size: "Size", entries: "entries",
        latestCheckpoint: "Latest checkpoint", rootHash: "root", cosignatures: "Signatures on it", verdict: "Verdict",
        checked: "What was checked", checkedWhen: "When", checkedBy: "By",
        noCheckpoint: "none published", operatorSignature: "operator", witnessVerified: "witness, cosignature verified",
        witnessUnchecked: "witness, cosignature present (pass --witness-key to verify it)",
        keyGiven: "given by the regulator (--vkey)", keyFromLedger: "read from ledger.json (pass --vkey to check against the key you were given)",
        whatChecked: "Every entry replayed from the segment files: canonical bytes, sequence, hash chain, time order, the author's signature under the key active at that position, authority and references (DESIGN §7 rules 1–7); every published checkpoint's operator signature and Merkle root; policy rules P1–P7. Derived files (views, indexes) were not trusted.",
        signaturesChecked: "signatures verified", segments: "segment file(s)", checkpointsRecomputed: "checkpoints recomputed",
        breakAt: "First integrity break",
        trustedPrefix: "first entries checked only against the root of a checkpoint verified before (--from-checkpoint), their signatures not verified again",
        rememberedPrefix: "first entries checked only against the root remembered from earlier verifications by this tool, which verified their signatures; the latest ran at",
        verdictIntact: "Intact and compliant", verdictViolations: "Intact, with policy violations",
        verdictBroken: "INTEGRITY BROKEN", verdictError: "Could not be checked",
        seq: "seq", exchange: "exchange", dataset: "dataset", provider: "provider", recipient: "recipient", detail: "explanation",
        related: "related seq", grant: "grant", grantee: "grantee", owner: "owner", purpose: "purpose", validity: "valid", status: "status",
        records: "records", bytes: "bytes", time: "ledger time", ack: "acknowledgement", ruleVerdict: "verdict", reporter: "reporter",
        dimension: "dimension", severity: "severity", note: "note", regulator: "regulator", subject: "subject", finding: "finding",
        titleColumn: "title", sharing: "sharing", level: "security level", fields: "fields",
        flows: "flows", organisations: "organisations", none: "None.",
        moreNotShown: "more not shown; the full list: flowledger views DIR",
        proofHint: "Every row names the seq of its entry: `flowledger prove DIR --seq N` gives an inclusion proof of it against the signed checkpoint.",
        graphLegend: "Nodes are organisations, coloured by kind. Each arrow is one dataset sent from provider to recipient, its width by records; the label gives the dataset, its sharing class and its security level. Red arrows carry a policy violation and link to their exchanges. Dashed organisations took part in no flow.",
        graphAggregated: "Aggregated for readability: the largest organisations and flows are drawn one by one, the rest are counted together.",
        otherOrganisations: "Other organisations", moreFlows: "more flows",
        violationEdge: "violation", exchangesWord: "exchanges", recordsWord: "records",
        perDayCaption: "Exchanges recorded per day of ledger time",
        columnProviders: "Providers", columnRecipients: "Recipients",
        findingsMismatch: "The verifier's policy findings and the views' violations differ in number; rebuild the views (flowledger views DIR parties --rebuild) and compare.",
        kinds: ["government": "government", "enterprise": "enterprise", "organization": "organization", "regulator": "regulator"],
        values: [:],
        ruleTitles: Dictionary(uniqueKeysWithValues: PolicyRule.allCases.map { ($0, $0.title) }),
        ruleExplanations: [
            .notShared: "The dataset is catalogued with sharing class none: it may not be exchanged at all, so every exchange of it is a violation.",
            .noValidGrant: "A conditionally shared dataset needs a grant from its owner to that recipient for that dataset, not revoked before the exchange, valid at its time, for the same purpose, covering every field sent.",
            .openSharing: "Openly shared datasets need no grant.",
            .coreDataToNonGovernment: "Core data may go only to parties of kind government or regulator.",
            .fieldsOutsideDataset: "The fields exchanged must be fields the dataset was catalogued with.",
            .receiptDiscrepancy: "The recipient acknowledged a different digest or record count than the provider sent: the data changed or was lost in between.",
            .unacknowledged: "The recipient did not acknowledge the exchange within the window of ledger time.",
        ])

    static let simplifiedChinese = ReportStrings(
        title: "数据交换监管报告", subtitle: "谁向谁提供了哪些数据、哪些行为违反了哪条规则、账本本身是否完整",
        contents: "目录",
        provenance: "来源与核验结论", graph: "数据流向", violations: "违规情况", grants: "授权",
        attention: "待确认、逾期或不一致的交换", quality: "质量反馈", findings: "审计发现",
        perDay: "每日交换量", datasets: "数据资源目录",
        origin: "账本标识", suite: "密码套件", operatorKey: "运营方验证公钥", size: "规模", entries: "条记录",
        latestCheckpoint: "最新检查点", rootHash: "根哈希", cosignatures: "检查点签名", verdict: "结论",
        checked: "核验内容", checkedWhen: "核验时间", checkedBy: "核验工具",
        noCheckpoint: "尚未发布", operatorSignature: "运营方", witnessVerified: "见证方，联署签名已验证",
        witnessUnchecked: "见证方，联署签名存在（使用 --witness-key 验证）",
        keyGiven: "由监管方提供（--vkey）", keyFromLedger: "读取自 ledger.json（请用 --vkey 与您收到的公钥核对）",
        whatChecked: "从分段文件逐条重放全部记录：规范编码、序号、哈希链、时间顺序、作者在该位置有效密钥下的签名、权限与引用（DESIGN §7 规则 1–7）；每个已发布检查点的运营方签名与默克尔根；策略规则 P1–P7。派生文件（视图、索引）不作为依据。",
        signaturesChecked: "个签名已验证", segments: "个分段文件", checkpointsRecomputed: "个检查点已重算",
        breakAt: "首个完整性破坏",
        trustedPrefix: "条前部记录仅与此前已核验检查点（--from-checkpoint）的根哈希比对，未重新验证签名",
        rememberedPrefix: "条前部记录仅与本工具此前核验所记住的根哈希比对，其签名已由此前的核验验证；最近一次核验时间：",
        verdictIntact: "完整且合规", verdictViolations: "完整，但存在违规",
        verdictBroken: "完整性受损", verdictError: "无法核验",
        seq: "序号", exchange: "交换", dataset: "数据资源", provider: "提供方", recipient: "接收方", detail: "说明",
        related: "相关序号", grant: "授权", grantee: "被授权方", owner: "所有方", purpose: "用途", validity: "有效期", status: "状态",
        records: "记录数", bytes: "字节数", time: "账本时间", ack: "接收确认", ruleVerdict: "合规结论", reporter: "反馈方",
        dimension: "质量维度", severity: "严重程度", note: "说明", regulator: "监管方", subject: "对象", finding: "发现",
        titleColumn: "名称", sharing: "共享类型", level: "安全级别", fields: "字段",
        flows: "条流向", organisations: "个机构", none: "无。",
        moreNotShown: "条未显示；完整列表：flowledger views DIR",
        proofHint: "每一行都标明其记录的序号：`flowledger prove DIR --seq N` 可给出该记录相对已签名检查点的包含证明。",
        graphLegend: "节点为机构，颜色表示机构类型。每个箭头表示一项数据资源从提供方到接收方的流向，粗细按记录数；标签给出数据资源、共享类型与安全级别。红色箭头涉及违规，并链接到相应的交换记录。虚线框表示未参与任何数据流向的机构。",
        graphAggregated: "为便于阅读已做汇总：规模最大的机构与流向逐一绘出，其余合并计数。",
        otherOrganisations: "其他机构", moreFlows: "条其他流向",
        violationEdge: "违规", exchangesWord: "次交换", recordsWord: "条记录",
        perDayCaption: "按账本时间统计的每日交换次数",
        columnProviders: "提供方", columnRecipients: "接收方",
        findingsMismatch: "核验器的策略发现与视图中的违规数量不一致；请重建视图（flowledger views DIR parties --rebuild）后再比对。",
        kinds: ["government": "政府部门", "enterprise": "企业", "organization": "组织机构", "regulator": "监管机构"],
        values: [
            "none": "不予共享", "conditional": "有条件共享", "open": "无条件共享",
            "general": "一般数据", "important": "重要数据", "core": "核心数据",
            "active": "有效", "revoked": "已撤销", "expired": "已过期", "pending": "未生效",
            "awaiting": "待确认", "acknowledged": "已确认", "discrepancy": "不一致", "overdue": "逾期未确认", "compliant": "合规",
            "low": "低", "medium": "中", "high": "高",
            "timeliness": "及时性", "accuracy": "准确性", "completeness": "完整性", "consistency": "一致性", "conformity": "规范性",
            "suspended": "已暂停", "matches": "根哈希一致", "rootMismatch": "根哈希不一致", "beyondLog": "超出日志范围",
            "badSignature": "签名无效", "notReached": "未比对",
        ],
        ruleTitles: [
            .notShared: "不予共享的数据被交换", .noValidGrant: "有条件共享的数据无有效授权即被提供",
            .openSharing: "无条件共享（无需授权）", .coreDataToNonGovernment: "核心数据提供给非政府、非监管机构",
            .fieldsOutsideDataset: "提供了数据资源目录中没有的字段", .receiptDiscrepancy: "接收内容与发送内容不一致",
            .unacknowledged: "交换未在时限内确认接收",
        ],
        ruleExplanations: [
            .notShared: "该数据资源的共享类型为“不予共享”，不得交换，任何交换均属违规。",
            .noValidGrant: "有条件共享的数据须有所有方向该接收方就该数据资源出具的授权：交换前未被撤销、交换时在有效期内、用途一致，且所提供字段均在授权范围内。",
            .openSharing: "无条件共享的数据无需授权。",
            .coreDataToNonGovernment: "核心数据只能提供给政府部门或监管机构。",
            .fieldsOutsideDataset: "所交换的字段必须是该数据资源登记时的字段。",
            .receiptDiscrepancy: "接收方确认的摘要或记录数与提供方发送的不同：数据在传输过程中被更改或丢失。",
            .unacknowledged: "接收方未在规定的账本时间窗口内确认接收。",
        ])
}
