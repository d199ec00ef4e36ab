import Foundation
import Testing

/// `--report DIR`: the same terminal output, then the report's path; the files written.
@Suite("refusal-lab --report")
struct ReportCLITests {
  static func folder() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent(
      "report-cli-\(UUID().uuidString)")
  }

  @Test("demo --report keeps stdout as it was and ends it with the report's path")
  func demoReport() throws {
    let arguments = ["demo", "--model", "ngram", "--seeds", "1", "--quiet"]
    let folder = Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let plain = try Tool.run(arguments)
    let reported = try Tool.run(arguments + ["--report", folder.path])
    #expect(reported.status == 0, "\(reported.stderr)")
    #expect(reported.stderr.isEmpty, "--quiet: nothing on stderr")
    let index = folder.appendingPathComponent("index.html").path
    #expect(reported.stdout == plain.stdout + "Report: \(index)\n")
    for name in ["index.html", "headline.svg", "judge-gap.svg", "results.csv"] {
      #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path))
    }
  }

  @Test("dose --report writes its figure and CSV; --report on a file is a usage error")
  func doseReport() throws {
    let folder = Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let dose = try Tool.run([
      "dose", "--model", "ngram", "--variants", "rigid,deep", "--conditions",
      "refusal-unlearning", "--seeds", "1", "--samples", "10,100,1000", "--epochs", "3",
      "--quiet", "--report", folder.path,
    ])
    #expect(dose.status == 0, "\(dose.stderr)")
    #expect(dose.stdout.hasSuffix("Report: \(folder.appendingPathComponent("index.html").path)\n"))
    #expect(
      FileManager.default.fileExists(
        atPath: folder.appendingPathComponent("dose-ngram-refusal-unlearning.svg").path))
    let file = folder.appendingPathComponent("index.html").path
    let bad = try Tool.run(["demo", "--model", "ngram", "--report", file])
    #expect(bad.status == 2)
    #expect(bad.stderr.hasPrefix("error: --report: \(file) is a file, not a folder"))
  }
}
