import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A load generator that costs the machine little, so a server's own capacity shows: HTTP/1.1
/// requests prepared (and signed) before the clock starts, sent over `connections` keep-alive
/// sockets from one poll(2) loop on one thread, each connection sending its next request once the
/// answer to the last one is whole. Answers must carry a Content-Length (Hummingbird's do).
struct RawLoad {
    /// The outcome of a run.
    struct Outcome {
        /// Wall time from the first request sent to the last answer read.
        let seconds: Double
        /// Each request's time from sent to answered, ascending.
        let latencies: [Double]
        /// How many answers had each status.
        let statuses: [Int: Int]
    }

    /// The port on 127.0.0.1.
    let port: UInt16
    /// Whole requests (head and body), sent in this order across the connections.
    let requests: [[UInt8]]
    /// Connections open at once.
    let connections: Int

    func run() throws -> Outcome {
        let sockets = try (0..<min(connections, requests.count)).map { _ in try Self.connect(port: port) }
        defer { sockets.forEach { close($0) } }
        var pending = [(sent: UInt64, buffer: [UInt8])](repeating: (0, []), count: sockets.count)
        var next = 0
        var latencies: [Double] = []
        latencies.reserveCapacity(requests.count)
        var statuses: [Int: Int] = [:]
        var watched = sockets.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        func send(on index: Int) throws {
            guard next < requests.count else {
                watched[index].fd = -1  // done: the server may close it while the others finish
                return
            }
            let request = requests[next]
            next += 1
            pending[index] = (nanos(), [])
            var written = 0
            while written < request.count {
                let n = request.withUnsafeBytes { Glibc.send(sockets[index], $0.baseAddress! + written, request.count - written, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else { throw BenchError("send: \(String(cString: strerror(errno)))") }
                written += n
            }
        }
        let start = nanos()
        for index in sockets.indices { try send(on: index) }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while latencies.count < requests.count {
            let ready = poll(&watched, nfds_t(watched.count), 30_000)
            guard ready > 0 else {
                if ready < 0 && errno == EINTR { continue }
                throw BenchError("no answer within 30 s (\(latencies.count) of \(requests.count) answered)")
            }
            for index in watched.indices where watched[index].revents != 0 {
                watched[index].revents = 0
                let n = recv(sockets[index], &chunk, chunk.count, Int32(MSG_DONTWAIT))
                guard n > 0 else {
                    if n < 0 && (errno == EAGAIN || errno == EINTR) { continue }
                    let why = n == 0 ? "closed" : "broke (\(String(cString: strerror(errno))))"
                    throw BenchError("the server's connection \(index) \(why) after \(latencies.count) answers in all")
                }
                pending[index].buffer += chunk[..<n]
                guard let status = try Self.completeAnswer(pending[index].buffer) else { continue }
                latencies.append(Double(nanos() - pending[index].sent) / 1e9)
                statuses[status, default: 0] += 1
                try send(on: index)
            }
        }
        return Outcome(seconds: seconds(since: start), latencies: latencies.sorted(), statuses: statuses)
    }

    /// The status of the answer in `buffer` once it is whole (head and Content-Length bytes).
    private static func completeAnswer(_ buffer: [UInt8]) throws -> Int? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard buffer.count >= 4, let end = (0...(buffer.count - 4)).first(where: { buffer[$0..<($0 + 4)].elementsEqual(separator) }) else { return nil }
        let head = String(decoding: buffer[..<end], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        guard let statusLine = lines.first, let status = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
            throw BenchError("not an HTTP answer: \(head.prefix(80))")
        }
        guard let length = lines.lazy.compactMap({ line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
            return Int(parts[1].trimmingCharacters(in: .whitespaces))
        }).first else {
            throw BenchError("an answer without Content-Length: \(head.prefix(200))")
        }
        return buffer.count >= end + 4 + length ? status : nil
    }

    /// A blocking TCP connection to 127.0.0.1:`port`, Nagle off.
    static func connect(port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw BenchError("connect: \(String(cString: strerror(errno)))") }
        var on: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }
}
