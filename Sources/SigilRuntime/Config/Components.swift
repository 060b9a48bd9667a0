public import SigilFeeds
public import SigilPluginAPI

/// What a build of Sigil can run: its strategy plugins and its feed kinds. Made in one place
/// (SigilBundle for the bundled ones) and handed to config loading; the runtime knows plugins
/// and feeds only through these protocols.
public struct Components: Sendable {
    public var plugins: PluginRegistry
    public var feeds: FeedRegistry

    public init(plugins: PluginRegistry, feeds: FeedRegistry) {
        self.plugins = plugins
        self.feeds = feeds
    }
}
