// LedgerWire: what crosses the network between `flowledger serve` and its clients (DESIGN §11),
// with no HTTP stack of its own, so the server and the client library share one definition.
