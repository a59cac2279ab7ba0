/// What to try in the demo, printed when `serve --demo` listens.
public enum DemoGuide {
    /// The guide for a demo server at `url`.
    public static func text(url: String) -> String {
        """
        Demo: what to try (the simulated agents check in every ~10 s and carry out plans; about 2 % fail and roll back):
          1. Sign in; choose your own password when asked.
          2. \(url)/advisories — what hits the fleet; open one for its hosts and source links.
          3. \(url)/changes — New change request: packages "openssl", environments "dev, staging",
             windows "\(DemoPolicy.windowName)"; submit it, and approve it as a second user (create one on \(url)/users).
          4. On the approved change: Plan a rollout…, look at the waves, Start; follow it live on \(url)/rollouts.
          5. \(url)/compliance, \(url)/audit (Verify chain), \(url)/policy, and Export CSV on any list.
        """
    }
}
