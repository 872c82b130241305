import GatehouseModel

extension JSON {
    /// A snapshot's list of documents, each made into `T`, by the member `key` (the first of
    /// any two with the same id).
    func indexed<T>(by key: String, _ make: (JSON) -> T) -> [String: T] {
        Dictionary((arrayValue ?? []).map { ($0[key]?.stringValue ?? "", make($0)) }, uniquingKeysWith: { first, _ in first })
    }
}
