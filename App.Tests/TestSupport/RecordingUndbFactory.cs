using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Undb.Features.Tables;

namespace Undb.Tests.TestSupport;

/// <summary>The real app with a <see cref="RecordingChangeSink"/> on the write path and a clock the test moves.</summary>
public sealed class RecordingUndbFactory : UndbFactory
{
    public RecordingUndbFactory()
    {
        ConfigureServices = services =>
        {
            services.AddSingleton<IRecordChangeSink>(Sink);
            services.AddSingleton<TimeProvider>(Time);
        };
    }

    public RecordingChangeSink Sink { get; } = new();

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 22, 15, 0, 0, TimeSpan.Zero));
}
