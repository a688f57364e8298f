// Placeholder until its issue lands.
public enum MacroSitesModule { public static let name = "MacroSites" }
