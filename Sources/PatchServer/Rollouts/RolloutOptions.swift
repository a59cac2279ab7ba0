import Foundation
import PatchAPI
import RolloutEngine

extension Rollout {
    /// The options the rollout was started with (kept in its annotations).
    var options: RolloutOptions? {
        get {
            annotations["options"].flatMap { try? JSONDecoder().decode(RolloutOptions.self, from: Data($0.utf8)) }
        }
        set {
            annotations["options"] = newValue.flatMap { try? String(decoding: JSONEncoder().encode($0), as: UTF8.self) }
        }
    }
}
