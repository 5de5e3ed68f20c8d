using Npgsql;
using Undb.Data.Postgres;

namespace Undb.Tests.Data;

/// <summary>The app's connection defaults on PostgreSQL apply only where the connection string says nothing.</summary>
public sealed class PostgresConnectionTests
{
    [Fact]
    public void AConnectionStringWithoutTheSettings_GetsTheDefaults_AndKeepsTheRest()
    {
        var result = new NpgsqlConnectionStringBuilder(PostgresData.WithPoolDefaults("Host=127.0.0.1;Port=5433;Username=undb;Database=undb"));
        Assert.Equal(64, result.MaxAutoPrepare);
        Assert.Equal(2, result.AutoPrepareMinUsages);
        Assert.True(result.NoResetOnClose);
        Assert.Equal(PostgresData.DefaultMaxPoolSize, result.MaxPoolSize);
        Assert.InRange(result.MaxPoolSize, 16, 100);
        Assert.Equal(5433, result.Port);
        Assert.Equal("undb", result.Database);
        Assert.Equal("undb", result.Username);
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Database=undb;Max Auto Prepare=0;No Reset On Close=false;Maximum Pool Size=40")]
    [InlineData("Host=127.0.0.1;Database=undb;maxautoprepare=7;noresetonclose=false;maxpoolsize=40")]
    public void SettingsTheConnectionStringGives_AreKept(string given)
    {
        var result = new NpgsqlConnectionStringBuilder(PostgresData.WithPoolDefaults(given));
        var expected = new NpgsqlConnectionStringBuilder(given);
        Assert.Equal(expected.MaxAutoPrepare, result.MaxAutoPrepare);
        Assert.False(result.NoResetOnClose);
        Assert.Equal(40, result.MaxPoolSize);
    }
}
