/// How a model-using plugin turns a pool's state into the feature row its model reads, and how
/// a training label is taken from later swaps. Declared by the plugin (`modelFeatures`), used by
/// the plugin itself at inference and by the trainer, `contribute finetune` and the coordinator,
/// so training, scoring and inference share one definition.
public struct ModelFeatures: Sendable {
    /// The feature names, in the order of a row (a model file's card lists the same).
    public let names: [String]
    /// The row after the pool's last swap, or nil with too little history.
    public let row: @Sendable (PoolSnapshot) -> [Float]?
    /// The label of the swap at `index` of a pool's swap history, looking `horizon` swaps
    /// ahead; nil when unknown (too close to the end) or uninformative.
    public let label: @Sendable (_ swaps: [SwapPoint], _ index: Int, _ horizon: Int) -> Float?

    public init(names: [String], row: @escaping @Sendable (PoolSnapshot) -> [Float]?,
                label: @escaping @Sendable (_ swaps: [SwapPoint], _ index: Int, _ horizon: Int) -> Float?) {
        self.names = names
        self.row = row
        self.label = label
    }
}
