import Testing

@Test func KernelsTestsBuilds() {}
