import Foundation
import Testing
import Velocity

/// One template of the differential corpus that `scripts/velocity_corpus.py` renders with airspeed,
/// and what Velocity 1.7 answers for it: `velocity17` where it differs from airspeed, else
/// airspeed's output; a failure where Velocity 1.7 fails (or both engines do).
struct CorpusCase: Sendable, CustomTestStringConvertible {
    enum Expectation: Sendable {
        case output(String)
        case failure
    }

    var name: String
    var template: String
    var context: [String: VelocityValue]
    var expectation: Expectation

    var testDescription: String { name }

    init(_ entry: VelocityMap) throws {
        guard case .string(let name)? = entry["name"], case .string(let template)? = entry["template"],
            case .map(let context)? = entry["context"]
        else { throw AirspeedCorpus.MalformedEntry(entry: entry) }
        self.name = name
        self.template = template
        self.context = Dictionary(uniqueKeysWithValues: context.entries.map { ($0.key, $0.value) })
        switch (entry["velocity17Error"], entry["velocity17"], entry["airspeed"]) {
        case (.string?, _, _): expectation = .failure
        case (_, .string(let output)?, _), (_, nil, .string(let output)?): expectation = .output(output)
        default: expectation = .failure
        }
    }
}

/// `Resources/airspeed-corpus.json`, read once.
enum AirspeedCorpus {
    struct MalformedEntry: Error {
        var entry: VelocityMap
    }

    static let loaded: Result<[CorpusCase], any Error> = Result {
        guard let url = Bundle.module.url(forResource: "airspeed-corpus", withExtension: "json") else {
            throw CocoaError(.fileNoSuchFile)
        }
        guard case .list(let entries) = try OrderedJSON.parse(String(contentsOf: url, encoding: .utf8)) else {
            throw MalformedEntry(entry: VelocityMap())
        }
        return try entries.map { entry in
            guard case .map(let map) = entry else { throw MalformedEntry(entry: VelocityMap()) }
            return try CorpusCase(map)
        }
    }

    static var cases: [CorpusCase] { (try? loaded.get()) ?? [] }
}

/// Our engine renders every corpus template as Velocity 1.7 does — including where airspeed
/// does not, which the corpus records with a note (see docs/velocity.md).
@Suite struct AirspeedCorpusTests {
    @Test func theCorpusIsBundledAndCoversOverAHundredTemplates() throws {
        #expect(try AirspeedCorpus.loaded.get().count >= 100)
    }

    @Test(arguments: AirspeedCorpus.cases)
    func rendersAsVelocity17Does(_ corpusCase: CorpusCase) throws {
        let render = { try VelocityTemplate(corpusCase.template).render(context: corpusCase.context) }
        switch corpusCase.expectation {
        case .output(let expected):
            #expect(try render() == expected)
        case .failure:
            #expect(throws: VelocityError.self) { try render() }
        }
    }
}
