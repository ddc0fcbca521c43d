import Foundation
import LedgerTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A raw TCP connection to a server under test, for clients that misbehave.
final class RawConnection {
    let fd: Int32
    /// Connects to `url`'s port on 127.0.0.1; `receiveBuffer` sets SO_RCVBUF first (a small
    /// one makes a client that does not read stall the server's writes sooner).
    init(url: String, receiveBuffer: Int32? = nil) throws {
        let port = UInt16(url.split(separator: ":").last!.filter(\.isNumber))!
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw FixtureError("cannot connect to \(url)") }
    }
    func send(_ text: String) { _ = text.withCString { Glibc.send(fd, $0, strlen($0), 0) } }
    /// Waits up to `seconds` for the server to close the connection; what it sent before.
    func waitForClose(seconds: Int) -> (closed: Bool, received: String) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { return (true, String(decoding: received, as: UTF8.self)) }
            if n < 0 { return (false, String(decoding: received, as: UTF8.self)) }
            received += buffer[..<n]
        }
    }
    /// Waits up to `seconds` for the head of the server's answer (its status line and
    /// headers); what it sent by then.
    func waitForAnswerHead(seconds: Int) -> String {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: received, as: UTF8.self).contains("\r\n\r\n") {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            received += buffer[..<n]
        }
        return String(decoding: received, as: UTF8.self)
    }
    deinit { close(fd) }
}
