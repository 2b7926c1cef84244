using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace CrafyCaptcha.Server.Tests.State;

/// <summary>Runs alone (no other test allocating meanwhile), because it measures the process's managed heap.</summary>
[CollectionDefinition(nameof(HeapMeasurement), DisableParallelization = true)]
public sealed class HeapMeasurement;

/// <summary>The in-memory store's memory stays bounded however much is written to it.</summary>
[Collection(nameof(HeapMeasurement))]
public sealed class InMemoryChallengeStateStoreMemoryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Memory_stays_bounded_under_a_flood_of_flow_records()
    {
        const int Max = 20_000;
        var store = InMemoryChallengeStateStoreTests.Create(new FakeTimeProvider(), Max);
        byte[] record = new byte[250]; // about a serialized flow record
        long before = GC.GetTotalMemory(forceFullCollection: true);

        for (int i = 0; i < Max; i++)
        {
            await store.SetAsync($"flow:{Guid.NewGuid()}", record, TimeSpan.FromMinutes(10));
        }

        long full = GC.GetTotalMemory(forceFullCollection: true) - before;
        for (int i = 0; i < 10 * Max; i++)
        {
            await store.SetAsync($"flow:{Guid.NewGuid()}", record, TimeSpan.FromMinutes(10));
        }

        long flooded = GC.GetTotalMemory(forceFullCollection: true) - before;
        GC.KeepAlive(store);

        long perEntry = full / Max;
        output.WriteLine($"{perEntry} bytes per entry (250-byte value, 41-character key); {flooded / Max} after the flood.");
        Assert.InRange(perEntry, 250, 1_000); // documented: about 120 B + key + value
        Assert.True(flooded < full * 1.25, $"{Max} entries took {full} bytes, and {flooded} after ten times more writes.");
        Assert.Equal(Max, store.Count);
    }
}
