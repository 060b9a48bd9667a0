public import SigilCore

/// A verified model as a plugin receives it: the runtime has checked the file against the
/// registry and parsed it; the plugin only asks for predictions.
public protocol PredictiveModel: Sendable {
    /// Which registered model and version this is.
    var reference: ModelReference { get }
    /// The features it expects, in order.
    var featureNames: [String] { get }
    /// The model's output (a probability for classifiers) for each of `rows` feature rows,
    /// stored row-major in `features`.
    func predict(_ features: [Float], rows: Int) throws -> [Float]
}
