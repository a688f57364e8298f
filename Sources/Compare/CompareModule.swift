// Placeholder until its issue lands.
public enum CompareModule { public static let name = "Compare" }
