import AnomalyModel
import DumpWatch
import HoneypotWatch
import MeanReversion
import ModelSignal
import Momentum
import RugPullGuard
import SandwichWatch
import WashTradeWatch
import SigilFeeds
import SigilEthereumFeed
import SigilHyperliquidFeed
import SigilPluginAPI
public import SigilRuntime

/// The composition root: every plugin and feed kind Sigil ships, registered here and nowhere
/// else. A new plugin is one line in `plugins`; a new feed kind one line in `feeds`.
extension Components {
    public static let bundled = Components(
        plugins: PluginRegistry([
            AnomalyModel.self,
            DumpWatch.self,
            HoneypotWatch.self,
            MeanReversion.self,
            ModelSignal.self,
            Momentum.self,
            RugPullGuard.self,
            SandwichWatch.self,
            WashTradeWatch.self,
        ]),
        feeds: FeedRegistry([
            ReplayFeed.self,
            EthereumFeed.self,
            HyperliquidFeedKind.self,
        ])
    )
}
