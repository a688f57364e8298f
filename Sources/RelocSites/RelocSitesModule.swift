// Placeholder until its issue lands.
public enum RelocSitesModule { public static let name = "RelocSites" }
