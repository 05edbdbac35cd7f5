import Testing

@Test func TrainingTestsBuilds() {}
