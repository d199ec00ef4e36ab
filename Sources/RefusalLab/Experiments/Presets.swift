import Foundation

extension ExperimentFile {
  /// The names of the built-in presets (the JSON files shipped in the package's
  /// `Presets` resource folder), sorted.
  public static var presetNames: [String] {
    guard let folder = presetFolder,
      let files = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
    else { return [] }
    return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
  }

  /// A built-in preset by name (`demo`, `ngram-quick`, …), decoded and validated.
  public static func preset(named name: String) throws(ConfigurationError) -> ExperimentFile {
    guard let folder = presetFolder,
      !name.isEmpty, !name.contains("/"), !name.hasPrefix("."),
      FileManager.default.fileExists(atPath: folder.appendingPathComponent(name + ".json").path)
    else {
      let known = presetNames.joined(separator: ", ")
      throw ConfigurationError(
        field: "preset:\(name)", message: "no built-in preset of that name (known: \(known))")
    }
    do {
      return try ExperimentFile(contentsOf: folder.appendingPathComponent(name + ".json"))
    } catch {
      var located = error
      located.field = "preset:\(name): " + error.field
      throw located
    }
  }

  private static var presetFolder: URL? {
    Bundle.module.resourceURL?.appendingPathComponent("Presets")
  }
}
