import Testing

@Test func CharlmCLITestsBuilds() {}
