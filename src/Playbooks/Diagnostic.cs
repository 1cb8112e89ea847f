namespace Orleans.Workflow.Playbooks;

/// <summary>A position in a playbook file; lines and columns are 1-based.</summary>
public readonly record struct SourcePosition(int Line, int Column)
{
    public static readonly SourcePosition Start = new(1, 1);

    public override string ToString() => $"{Line}:{Column}";
}

/// <summary>One problem found in a playbook, printed as <c>file:line:col: error: message</c>.</summary>
public sealed record Diagnostic(string File, int Line, int Column, string Message)
{
    public Diagnostic(string file, SourcePosition position, string message)
        : this(file, position.Line, position.Column, message)
    {
    }

    public override string ToString() => $"{File}:{Line}:{Column}: error: {Message}";
}
