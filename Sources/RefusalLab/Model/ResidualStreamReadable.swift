import TinyLM

/// A model whose residual stream can be read: the hidden state at every position after the
/// embedding and after each block. ``RepresentationRho`` measures ρ there; the n-gram has no
/// residual stream and does not conform.
public protocol ResidualStreamReadable: LanguageModel {
  /// How many streams ``residualStream(of:)`` returns: L + 1 for L blocks.
  var residualStreamCount: Int { get }
  /// C, the channels of one state.
  var residualChannels: Int { get }
  /// The states of `tokens`: element l is the stream after layer l (0 = the embedding,
  /// 1 … L = after each block), T rows of C channels, row-major.
  func residualStream(of tokens: [Int]) -> [[Float]]
}

extension TransformerModel: ResidualStreamReadable {
  /// `n_layer` + 1: the embedding, then each block.
  public var residualStreamCount: Int { configuration.layerCount + 1 }
  /// `n_embd`.
  public var residualChannels: Int { configuration.embeddingSize }
}
