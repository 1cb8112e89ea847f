using Orleans.Workflow.Playbooks.Model;

namespace Orleans.Workflow.Playbooks.Expressions;

/// <summary>Which parts of the scope a step's expressions read, so the runtime sends only those.</summary>
public static class ScopeReads
{
    /// <summary>
    /// The ids that <paramref name="step"/>'s <c>with</c> and <c>if</c> read under <paramref name="root"/>
    /// (<c>steps.ID</c>, <c>tasks.ID</c>), or null when an expression reads the root in a way that cannot be
    /// known before it runs (<c>steps[name]</c>, <c>Object.keys(tasks)</c>).
    /// </summary>
    public static IReadOnlySet<string>? IdsRead(StepSpec step, string root)
    {
        ArgumentNullException.ThrowIfNull(step);
        var read = new HashSet<string>(StringComparer.Ordinal);
        var templates = (step.With?.Templates().Select(t => t.Template) ?? []).Concat(step.If is { } condition ? [condition] : []);
        foreach (var reference in templates.SelectMany(t => t.Expressions).SelectMany(e => e.References))
        {
            if (reference.Root != root)
            {
                continue;
            }

            if (reference.Path.IsEmpty)
            {
                return null;
            }

            read.Add(reference.Path[0]);
        }

        return read;
    }
}
