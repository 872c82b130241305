import Dispatch
import Foundation
import GatehouseModel
import Testing

@testable import GatehouseGateway

/// Token buckets and quota counting, with the clock passed in.
@Suite struct ThrottleTests {
    let throttle = Throttle(rateLimit: 2, burstLimit: 3)
    let second: UInt64 = 1_000_000_000

    @Test func aBucketAllowsItsBurstThenRefillsAtItsRate() {
        let limiter = RateLimiter()
        let start = DispatchTime.now().uptimeNanoseconds
        #expect((0..<4).map { _ in limiter.take("b", throttle, now: start) } == [true, true, true, false])
        #expect(limiter.take("b", throttle, now: start + second / 2))  // one token back after half a second
        #expect(!limiter.take("b", throttle, now: start + second / 2))
        #expect((0..<4).map { _ in limiter.take("b", throttle, now: start + 10 * second) } == [true, true, true, false])
        #expect(limiter.take("other", throttle, now: start))
    }

    @Test func theLockFreeBucketBehavesTheSame() {
        let bucket = AtomicTokenBucket(tokens: 3)
        let start = DispatchTime.now().uptimeNanoseconds
        #expect((0..<4).map { _ in bucket.take(throttle, now: start) } == [true, true, true, false])
        #expect(bucket.take(throttle, now: start + second / 2))
        #expect(!bucket.take(throttle, now: start + second / 2))
        #expect((0..<4).map { _ in bucket.take(throttle, now: start + 10 * second) } == [true, true, true, false])
    }

    @Test func quotasCountPerCalendarPeriod() {
        // 2026-11-25 is a Wednesday: day 20782 since 1970.
        let wednesday = 20782
        #expect(Quota(limit: 1, period: "DAY").periodStart(containing: wednesday) == wednesday)
        #expect(Quota(limit: 1, period: "WEEK").periodStart(containing: wednesday) == wednesday - 2)
        #expect(Quota(limit: 1, period: "MONTH").periodStart(containing: wednesday) == wednesday - 24)

        let account = UsageAccount()
        let quota = Quota(limit: 2, period: "DAY")
        #expect([account.record(quota: quota, today: wednesday), account.record(quota: quota, today: wednesday),
                 account.record(quota: quota, today: wednesday)] == [true, true, false])
        #expect(account.record(quota: quota, today: wednesday + 1))
        #expect(account.usage(quota: quota, days: wednesday...wednesday) == [[2, 0]])
    }

    @Test func theOffsetIsTakenOffThePlansFirstPeriodOnly() {
        let created = 20782
        let quota = Quota(limit: 3, offset: 2, period: "DAY", createdDay: created)
        let account = UsageAccount()
        #expect([account.record(quota: quota, today: created), account.record(quota: quota, today: created)] == [true, false])
        #expect((0..<4).map { _ in account.record(quota: quota, today: created + 1) } == [true, true, true, false])
        #expect(account.usage(quota: quota, days: created...created) == [[1, 0]])
    }

    @Test func theRequestTimeIsWrittenAsAWSWritesIt() {
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(date.clfTime == "14/Nov/2023:22:13:20 +0000")
        #expect(date.clfTime == date.utc("dd/MMM/yyyy:HH:mm:ss Z"))
    }
}
