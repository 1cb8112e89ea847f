namespace Orleans.Workflow.Playbooks.Validation;

/// <summary>What expressions at one place of a playbook may read; <see cref="Tasks"/> tells which tasks are upstream (null: none in scope).</summary>
internal sealed record ExpressionScopeRules(
    string Where,
    bool Params,
    Func<string, bool>? Tasks,
    IReadOnlyList<string>? Steps,
    bool Item,
    bool Secrets)
{
    /// <summary>Param defaults and schedule params: only the run (they are settled before anything runs).</summary>
    public static ExpressionScopeRules RunOnly(string where) => new(where, false, null, null, false, false);
}
