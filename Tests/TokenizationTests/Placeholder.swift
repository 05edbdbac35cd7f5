import Testing

@Test func TokenizationTestsBuilds() {}
