import Testing

@Test func ModelingTestsBuilds() {}
