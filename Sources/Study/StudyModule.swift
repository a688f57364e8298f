// Placeholder until its issue lands.
public enum StudyModule { public static let name = "Study" }
