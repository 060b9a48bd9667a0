import ArgumentParser

@main
struct Sigil: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sigil", abstract: "Sigil trading bot")
}
