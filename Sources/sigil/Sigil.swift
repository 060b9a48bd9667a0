import ArgumentParser

@main
struct Sigil: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sigil",
        abstract: "A crypto-market bot that verifies its models and processes every chain event exactly once.",
        version: "0.1.0",
        subcommands: [RunCommand.self, StatusCommand.self, BacktestCommand.self, ConfigCommand.self, VerifyModel.self, ModelsCommand.self, RegistryCommand.self, TrainModel.self, InspectReplay.self, KeyCommand.self, ContributeCommand.self, CoordinatorCommand.self]
    )
}
