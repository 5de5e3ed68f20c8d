using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Undb.Infrastructure;

/// <summary>
/// A request body that is valid JSON of the right types but leaves out what the route needs (a null where the request
/// type says a value is required). <see cref="Fragment"/> is the member, relative to the object being read, whose
/// path System.Text.Json puts in <see cref="JsonException.Path"/>.
/// </summary>
public sealed class RequestShapeException(string fragment, string message) : JsonException(message)
{
    public string Fragment { get; } = fragment;
}

/// <summary>
/// Makes the request types' nullable annotations binding: after an object of the app's own types is read, a member
/// declared non-nullable that is missing or null, or a null item in a list or dictionary whose items are declared
/// non-nullable (<c>fields:[null]</c>, <c>ids:[null]</c>, <c>headers:{"X":null}</c>), fails the read with the member's
/// path. So a handler never meets a null its types say cannot be there, and a new request type is checked the same way
/// without code of its own. (System.Text.Json's RespectNullableAnnotations leaves out collection items and missing
/// members; this covers both.)
/// </summary>
public static class RequestShape
{
    public const string Required = "is required";
    public const string NoNullItems = "must not be null";

    /// <summary>A contract modifier for the API's serializer options.</summary>
    public static void AddChecks(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object || info.Type.Assembly != typeof(RequestShape).Assembly)
        {
            return;
        }
        // NullabilityInfoContext is not thread-safe; the modifier runs once per type, so one context per run is cheap.
        var nullability = new NullabilityInfoContext();
        var checks = info.Properties.Select(p => MemberCheck.For(p, nullability)).OfType<MemberCheck>().ToArray();
        if (checks.Length == 0)
        {
            return;
        }
        var previous = info.OnDeserialized;
        info.OnDeserialized = value =>
        {
            previous?.Invoke(value);
            foreach (var check in checks)
            {
                check.Run(value);
            }
        };
    }

    private sealed record MemberCheck(string Name, Func<object, object?> Get, bool Required, bool ItemsRequired)
    {
        public static MemberCheck? For(JsonPropertyInfo property, NullabilityInfoContext context)
        {
            if (property.Get is null || property.PropertyType.IsValueType)
            {
                return null;
            }
            var nullable = property.AttributeProvider switch
            {
                PropertyInfo p => context.Create(p),
                FieldInfo f => context.Create(f),
                _ => null,
            };
            if (nullable is null)
            {
                return null;
            }
            var required = nullable.ReadState == NullabilityState.NotNull;
            var items = ItemNullability(property.PropertyType, nullable);
            var itemsRequired = items is { ReadState: NullabilityState.NotNull } && !items.Type.IsValueType;
            return required || itemsRequired ? new MemberCheck(property.Name, property.Get, required, itemsRequired) : null;
        }

        /// <summary>For a dictionary its values, for a list or array its items; null for anything else.</summary>
        private static NullabilityInfo? ItemNullability(Type type, NullabilityInfo nullable)
        {
            if (type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type))
            {
                return null;
            }
            if (nullable.ElementType is { } element)
            {
                return element;
            }
            var isDictionary = type.GetInterfaces().Append(type).Any(i => i.IsGenericType
                && (i.GetGenericTypeDefinition() == typeof(IDictionary<,>) || i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>)));
            return nullable.GenericTypeArguments.ElementAtOrDefault(isDictionary ? 1 : 0);
        }

        public void Run(object owner)
        {
            var value = Get(owner);
            var member = JsonPathText.Member(Name);
            if (value is null)
            {
                if (Required)
                {
                    throw new RequestShapeException(member, RequestShape.Required);
                }
                return;
            }
            if (!ItemsRequired)
            {
                return;
            }
            if (value is IDictionary dictionary)
            {
                foreach (DictionaryEntry entry in dictionary)
                {
                    if (entry.Value is null)
                    {
                        throw new RequestShapeException(member + JsonPathText.Member(Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? ""), NoNullItems);
                    }
                }
                return;
            }
            var index = 0;
            foreach (var item in (IEnumerable)value)
            {
                if (item is null)
                {
                    throw new RequestShapeException($"{member}[{index}]", NoNullItems);
                }
                index++;
            }
        }
    }
}
