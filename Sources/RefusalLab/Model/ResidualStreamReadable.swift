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

/// A model whose residual stream can also be edited at inference: ``RefusalDirection`` ablates
/// a direction from it or adds one to it (Arditi et al., 2024).
public protocol ResidualStreamEditable: ResidualStreamReadable {
  /// A copy of the model that applies `edit` in every forward pass (`nil`: no edit).
  func copy(applying edit: ResidualEdit?) -> Self
}

extension TransformerModel: ResidualStreamEditable {
  /// A copy with ``TinyLM/TransformerModel/residualEdit`` set to `edit`.
  public func copy(applying edit: ResidualEdit?) -> TransformerModel {
    let edited = copy()
    edited.residualEdit = edit
    return edited
  }
}
