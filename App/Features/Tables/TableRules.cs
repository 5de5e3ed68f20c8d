namespace Undb.Features.Tables;

/// <summary>Validation shared by table and field creation and changes; errors are keyed like the API's request bodies.</summary>
internal static class TableRules
{
    public const int MaxNameLength = TableService.MaxNameLength;

    public static string CheckName(string? name, string key, Dictionary<string, string[]> errors)
    {
        var trimmed = (name ?? "").Trim();
        if (trimmed.Length == 0)
        {
            errors[key] = ["A name is required."];
        }
        else if (trimmed.Length > MaxNameLength)
        {
            errors[key] = [$"A name can be at most {MaxNameLength} characters."];
        }
        return trimmed;
    }

    public static FieldSpec CheckField(FieldSpec spec, string prefix, Dictionary<string, string[]> errors)
    {
        var key = prefix.Length == 0 ? "name" : prefix + ".name";
        var name = CheckName(spec.Name, key, errors);
        if (SystemFields.IsSystem(name))
        {
            errors[key] = [$"'{name}' is reserved for a system field; choose another name."];
        }
        IReadOnlyList<string>? choices = null;
        if (spec.Type.HasChoices())
        {
            var cleaned = (spec.Choices ?? []).Select(c => (c ?? "").Trim()).Where(c => c.Length > 0).ToList();
            var dup = cleaned.GroupBy(c => c, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
            if (dup is not null)
            {
                errors[(prefix.Length == 0 ? "" : prefix + ".") + "options.choices"] = [$"The choice '{dup.Key}' is listed more than once."];
            }
            choices = cleaned;
        }
        return spec with { Name = name, Choices = choices };
    }

    public static void ThrowIfAny(Dictionary<string, string[]> errors, string title)
    {
        if (errors.Count > 0)
        {
            throw new BadRequestException(errors.Count == 1 ? errors.First().Value[0] : title, errors);
        }
    }
}
