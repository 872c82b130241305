import Foundation
import GatehouseModel
import Testing

/// The timestamps written by hand agree with what a `DateFormatter` writes.
@Suite struct DateFormatsTests {
    @Test(arguments: [0.0, 1_440_938_160, 1_700_000_000, 1_709_208_000, 4_102_444_799])
    func amzDatesRoundTrip(seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(date.amzDate == date.utc("yyyyMMdd'T'HHmmss'Z'"))
        #expect(Date(amzDate: date.amzDate) == date)
    }

    @Test func theSigV4ExampleDateParses() {
        #expect(Date(amzDate: "20150830T123600Z") == Date(timeIntervalSince1970: 1_440_938_160))
    }

    @Test(arguments: ["", "20150830", "20150830T123600", "20150830 123600Z", "2015083OT123600Z", "20151330T123600Z", "20150830T126000Z", "20150830T123600+0"])
    func anythingElseIsNotAnAmzDate(text: String) {
        #expect(Date(amzDate: text) == nil)
    }

    @Test func theSharedFormatterIsMadeOncePerFormat() {
        #expect(DateFormatter.utc("yyyy-MM-dd") === DateFormatter.utc("yyyy-MM-dd"))
    }
}
