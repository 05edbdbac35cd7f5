import Testing

@Test func SamplingTestsBuilds() {}
