using System.Text.Json.Nodes;
using Orleans.Workflow.Playbooks.Expressions;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Playbooks.Validation;

namespace Orleans.Workflow.Playbooks.Params;

/// <summary>A problem with one param of a start request; the message names the param.</summary>
public sealed record ParamError(string Param, string Message)
{
    public override string ToString() => Message;
}

/// <summary>The params a run starts with, or every reason it cannot start.</summary>
public sealed record ParamResolution(JsonObject Values, IReadOnlyList<ParamError> Errors)
{
    public bool IsValid => Errors.Count == 0;
}

/// <summary>Settles a run's params: given values coerced to their types, defaults filled in, required ones demanded.</summary>
public static class ParamResolver
{
    /// <param name="playbook">The playbook whose params are declared.</param>
    /// <param name="given">Values given at start; text is coerced (command lines give text).</param>
    /// <param name="run">The <c>run</c> object that default expressions see.</param>
    /// <param name="engine">Evaluates default expressions; the shared engine when null.</param>
    public static ParamResolution Resolve(Playbook playbook, IReadOnlyDictionary<string, JsonNode?> given, JsonObject? run = null, ExpressionEngine? engine = null)
    {
        ArgumentNullException.ThrowIfNull(playbook);
        ArgumentNullException.ThrowIfNull(given);
        engine ??= ExpressionEngine.Shared;
        var values = new JsonObject();
        var errors = new List<ParamError>();
        var declared = playbook.Params.Select(p => p.Name).ToList();
        foreach (var name in given.Keys.Where(k => !declared.Contains(k)).Order(StringComparer.Ordinal))
        {
            var known = declared.Count == 0 ? "declares none" : "declares " + string.Join(", ", declared);
            errors.Add(new ParamError(name, $"unknown param '{name}'{Suggestions.Hint(name, declared)}: playbook '{playbook.Name}' {known}"));
        }

        var scope = new ExpressionScope { Run = run ?? [] };
        foreach (var param in playbook.Params)
        {
            if (given.TryGetValue(param.Name, out var value))
            {
                if (ParamCoercion.TryCoerce(param, value, out var coerced, out var problem))
                {
                    values[param.Name] = coerced;
                }
                else
                {
                    errors.Add(new ParamError(param.Name, $"param '{param.Name}' ({ParamTypes.Name(param.Type)}): {problem}"));
                }

                continue;
            }

            if (param.Default is null)
            {
                errors.Add(new ParamError(param.Name, $"param '{param.Name}' ({ParamTypes.Name(param.Type)}) is required: pass it with -p {param.Name}=VALUE"));
                continue;
            }

            JsonNode? rendered;
            try
            {
                rendered = param.Default.Render(engine, scope);
            }
            catch (ExpressionException ex)
            {
                errors.Add(new ParamError(param.Name, $"param '{param.Name}': default failed: {ex.Message}"));
                continue;
            }

            if (rendered is null)
            {
                values[param.Name] = null;
            }
            else if (ParamCoercion.TryCoerce(param, rendered, out var coercedDefault, out var defaultProblem))
            {
                values[param.Name] = coercedDefault;
            }
            else
            {
                errors.Add(new ParamError(param.Name, $"param '{param.Name}': default gave a value that does not fit type {ParamTypes.Name(param.Type)}: {defaultProblem}"));
            }
        }

        return new ParamResolution(values, errors);
    }
}
