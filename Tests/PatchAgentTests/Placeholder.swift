import Testing

@Suite struct PatchAgentTestsPlaceholder {}
