import Foundation
import Testing

@testable import GatehouseFunctions

@Suite struct CodeStoreTests {
    @Test(arguments: ["a.py", "pkg/mod.py", "./a.py", "a/../b.py"])
    func pathsInsideTheRootAreAccepted(_ path: String) {
        #expect(CodeStore.staysInside(path))
    }

    @Test(arguments: ["../a.py", "/etc/passwd", "a/../../b", "\\\\server\\share", "pkg/../../x"])
    func pathsLeavingTheRootAreRefused(_ path: String) {
        #expect(!CodeStore.staysInside(path))
    }

    @Test func somethingThatIsNotAZipIsRefusedAsAWSRefusesIt() {
        let store = CodeStore(directory: NSTemporaryDirectory() + "gatehouse-code-\(UUID().uuidString)")
        #expect(throws: CodeStore.notAZip) { try store.store(zip: Data("not a zip".utf8)) }
    }
}
