@testable import LedgerService
import NIOCore
import Testing

/// The counting behind `serve`'s connection cap: the total, the share of one client, and who
/// counts as one client.
@Suite struct ConnectionCapTests {
    @Test func eachCapHoldsAndAReleaseMakesRoom() {
        let cap = ConnectionCap(total: 3, perAddress: 2)
        #expect(cap.admit("10.0.0.1") == nil && cap.admit("10.0.0.1") == nil)
        #expect(cap.admit("10.0.0.1").map { $0.cap == "address" && $0.reason.contains("10.0.0.1 holds 2 connections") } == true)
        #expect(cap.admit("10.0.0.2") == nil)
        #expect(cap.admit("10.0.0.3").map { $0.cap == "total" && $0.reason.contains("holds 3 connections, its most") } == true)
        cap.release("10.0.0.1")
        #expect(cap.openConnections == 2)
        #expect(cap.admit("10.0.0.3") == nil)
        for address in ["10.0.0.1", "10.0.0.2", "10.0.0.3"] { cap.release(address) }
        #expect(cap.openConnections == 0)
    }

    @Test func anIPv6ClientCountsByItsSlash64AndAnIPv4OneByItsAddress() throws {
        let a = try SocketAddress(ipAddress: "2001:db8:1:2:aaaa::1", port: 1)
        let b = try SocketAddress(ipAddress: "2001:db8:1:2:bbbb:cccc:dddd:eeee", port: 2)
        let other = try SocketAddress(ipAddress: "2001:db8:1:3::1", port: 1)
        #expect(ConnectionCap.client(a) == "2001:db8:1:2::/64")
        #expect(ConnectionCap.client(a) == ConnectionCap.client(b))
        #expect(ConnectionCap.client(other) != ConnectionCap.client(a))
        #expect(ConnectionCap.client(try SocketAddress(ipAddress: "192.0.2.7", port: 1)) == "192.0.2.7")
        #expect(ConnectionCap.client(try SocketAddress(ipAddress: "::ffff:192.0.2.7", port: 1)).contains("192.0.2.7"))
        #expect(ConnectionCap.client(nil) == "an unknown address")
    }
}
