using System.Text.Json.Nodes;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Incoming;

/// <summary>
/// How a payload becomes records: per field id a JSON path, and an optional records path whose array
/// yields one record per element (field paths are then relative to the element).
/// </summary>
public sealed record IncomingMapping(string? RecordsPath, IReadOnlyDictionary<string, string> Fields)
{
    /// <summary>The id of the field whose value finds an existing record to update instead of creating one (upsert); null: always create.</summary>
    public string? UpsertBy { get; init; }

    public static IncomingMapping Empty { get; } = new(null, new Dictionary<string, string>());
}

/// <summary>One reason a payload cannot become records: where in the payload, which field, what is wrong, and which element.</summary>
public sealed record MappingError(string Path, string Field, string Message, int? Index = null)
{
    public override string ToString() => (Index is null ? "" : $"#{Index}: ") + $"{Field} ({Path}): {Message}";
}

/// <summary>A record the payload would create: raw inputs for RecordService and their coerced preview, keyed by field id.</summary>
public sealed record MappedRecord(IReadOnlyDictionary<string, JsonNode?> Inputs, JsonObject Coerced);

public sealed record MappingResult(IReadOnlyList<MappedRecord> Records, IReadOnlyList<MappingError> Errors)
{
    public bool Ok => Errors.Count == 0;

    /// <summary>Paths mapped to fields that were deleted: not read, and not an error (the rest of the mapping still works).</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];
}

/// <summary>Something that keeps a mapping from working as configured (<c>code</c> is stable: <c>deletedField</c>).</summary>
public sealed record MappingProblem(string Code, string Message, string FieldId, string Path);

/// <summary>Applies a mapping to a payload. Pure: the ingest endpoint and the dialog's live preview share it.</summary>
public static class MappingEngine
{
    public const string RecordsField = "(records)";

    /// <summary>The "field" of an error about a whole record, such as one with a value for no mapped field.</summary>
    public const string RecordField = "(record)";

    public static MappingResult Apply(JsonNode? payload, IncomingMapping mapping, TableSnapshot table)
    {
        var errors = new List<MappingError>();
        var elements = Elements(payload, mapping.RecordsPath, errors);
        var records = new List<MappedRecord>(elements.Count);
        var paths = ParsePaths(mapping, table, errors);
        var indexed = mapping.RecordsPath is not null;
        for (var i = 0; i < elements.Count; i++)
        {
            records.Add(MapOne(elements[i], paths, table, indexed ? i : null, errors));
        }
        return new MappingResult(records, errors) { Skipped = Problems(mapping, table).Select(p => p.Path).ToList() };
    }

    public const string DeletedField = "deletedField";

    /// <summary>
    /// Paths mapped to fields deleted since (the mapping keeps fields by id, so a renamed field is not one). Requests
    /// skip them and the request log says so, rather than every request being refused for a field that is gone.
    /// </summary>
    public static IReadOnlyList<MappingProblem> Problems(IncomingMapping mapping, TableSnapshot table)
    {
        List<MappingProblem>? problems = null;
        foreach (var (fieldId, path) in mapping.Fields)
        {
            if (table.FieldById(fieldId) is null && !string.IsNullOrWhiteSpace(path))
            {
                (problems ??= []).Add(new MappingProblem(DeletedField,
                    $"{path} is mapped to a field that was deleted, so requests skip it. Edit the mapping to map it to another field, or save it to drop it.",
                    fieldId, path));
            }
        }
        return problems ?? (IReadOnlyList<MappingProblem>)[];
    }

    /// <summary>
    /// How many records the payload would make, found without mapping any of them (so an oversized list is refused
    /// before its records are built): one without a records path, else the length of the list there (an object
    /// counts as one, anything else as none; <see cref="Apply"/> reports those).
    /// </summary>
    public static int CountRecords(JsonNode? payload, string? recordsPath)
    {
        if (recordsPath is null)
        {
            return 1;
        }
        if (!JsonPath.TryParse(recordsPath, out var path, out _))
        {
            return 0;
        }
        return path.Evaluate(payload) switch
        {
            JsonArray array => array.Count,
            JsonObject => 1,
            _ => 0,
        };
    }

    /// <summary>The objects that become records: the payload itself, or each element at the records path.</summary>
    private static List<JsonNode?> Elements(JsonNode? payload, string? recordsPath, List<MappingError> errors)
    {
        if (recordsPath is null)
        {
            return [payload];
        }
        if (!JsonPath.TryParse(recordsPath, out var path, out var error))
        {
            errors.Add(new MappingError(recordsPath, RecordsField, error));
            return [];
        }
        return path.Evaluate(payload) switch
        {
            JsonArray array => array.ToList(),
            JsonObject obj => [obj], // a single object where a list was expected: lenient, one record
            null => Fail("is missing or null; expected a list of records"),
            var other => Fail($"is {other.GetValueKind().ToString().ToLowerInvariant()}; expected a list of records"),
        };

        List<JsonNode?> Fail(string message)
        {
            errors.Add(new MappingError(path.ToString(), RecordsField, message));
            return [];
        }
    }

    /// <summary>A mapped path as parsed, or why it does not parse.</summary>
    private sealed record ParsedPath(JsonPath? Path, string Text, string? Error);

    // Keyed by the path string itself, which a cached mapping keeps: the paths are parsed once, not per request.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<string, ParsedPath> ParsedPaths = new();

    private static List<(FieldEntity Field, JsonPath? Path, string Text)> ParsePaths(IncomingMapping mapping, TableSnapshot table, List<MappingError> errors)
    {
        var result = new List<(FieldEntity, JsonPath?, string)>();
        foreach (var field in table.Fields)
        {
            if (!mapping.Fields.TryGetValue(field.Id, out var text) || string.IsNullOrWhiteSpace(text))
            {
                if (field.Required)
                {
                    errors.Add(new MappingError("", field.Name, "is required but no path is mapped to it"));
                }
                continue;
            }
            var parsed = ParsedPaths.GetValue(text, t => JsonPath.TryParse(t, out var p, out var e) ? new ParsedPath(p, p.ToString(), null) : new ParsedPath(null, t, e));
            if (parsed.Path is null)
            {
                errors.Add(new MappingError(text, field.Name, parsed.Error!));
                continue;
            }
            result.Add((field, parsed.Path, parsed.Text));
        }
        return result;
    }

    private static MappedRecord MapOne(JsonNode? element, List<(FieldEntity Field, JsonPath? Path, string Text)> paths, TableSnapshot table, int? index, List<MappingError> errors)
    {
        var inputs = new Dictionary<string, JsonNode?>();
        var coerced = new JsonObject();
        var failed = false;
        foreach (var (field, path, text) in paths)
        {
            var raw = path!.Evaluate(element);
            var error = ValueCoercer.TryCoerce(field, raw, out var value);
            if (error is not null)
            {
                var message = raw is null && field.Required ? $"is required, but the payload has no value at {text}" : error;
                errors.Add(new MappingError(text, field.Name, message, index));
                failed = true;
                continue;
            }
            if (value is not null)
            {
                inputs[field.Id] = raw!.DeepClone();
                coerced[field.Id] = value;
            }
        }
        if (inputs.Count == 0 && !failed && !(paths.Count == 0 && errors.Count > 0))
        {
            // A payload of another shape (another event, another sender): a blank record per retry helps nobody.
            errors.Add(new MappingError("$", RecordField, paths.Count == 0
                ? "nothing to write: no path is mapped to a field. Map the payload's values to fields first."
                : $"nothing to write: the payload has no value at any mapped path ({string.Join(", ", paths.Select(p => p.Text))}). Check that the sender posts what the mapping expects.", index));
        }
        return new MappedRecord(inputs, coerced);
    }

    /// <summary>Mapping keyed by field name (the API shape) from one keyed by field id; unknown ids are dropped.</summary>
    public static Dictionary<string, string> FieldsByName(IncomingMapping mapping, TableSnapshot table) =>
        table.Fields.Where(f => mapping.Fields.ContainsKey(f.Id)).ToDictionary(f => f.Name, f => mapping.Fields[f.Id]);

    /// <summary>
    /// Resolves a mapping given by field name or id into one keyed by field id, checking every path's syntax.
    /// Returns the problems keyed like validation errors (<c>mapping.fields.Deal</c>).
    /// </summary>
    public static IncomingMapping Resolve(
        string? recordsPath, IReadOnlyDictionary<string, string?>? fields, TableSnapshot table, Dictionary<string, string[]> errors, string? upsertBy = null)
    {
        string? records = null;
        if (!string.IsNullOrWhiteSpace(recordsPath))
        {
            if (JsonPath.TryParse(recordsPath, out var p, out var error))
            {
                records = p.ToString();
            }
            else
            {
                errors["mapping.recordsPath"] = [error];
            }
        }
        var byId = new Dictionary<string, string>();
        foreach (var (key, text) in fields ?? new Dictionary<string, string?>())
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }
            var field = RecordService.ResolveField(table, key);
            if (field is null)
            {
                errors[$"mapping.fields.{key}"] = [$"'{key}' is not a field of table '{table.Name}'."];
                continue;
            }
            if (!JsonPath.TryParse(text, out var path, out var error))
            {
                errors[$"mapping.fields.{key}"] = [error];
                continue;
            }
            byId[field.Id] = path.ToString();
        }
        string? upsertId = null;
        if (!string.IsNullOrWhiteSpace(upsertBy))
        {
            var key = RecordService.ResolveField(table, upsertBy);
            if (key is null)
            {
                errors["mapping.upsertBy"] = [$"'{upsertBy}' is not a field of table '{table.Name}'."];
            }
            else if (!RecordService.CanKey(key.Type))
            {
                errors["mapping.upsertBy"] = [$"'{key.Name}' is a {key.Type.DisplayName().ToLowerInvariant()} field; upsert by a text, email, URL, number or single select field."];
            }
            else if (!byId.ContainsKey(key.Id))
            {
                errors["mapping.upsertBy"] = [$"Map a path to '{key.Name}' to upsert by it."];
            }
            else
            {
                upsertId = key.Id;
            }
        }
        return new IncomingMapping(records, byId) { UpsertBy = upsertId };
    }
}
