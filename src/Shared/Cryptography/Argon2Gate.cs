using System.Security.Cryptography;
using NSec.Cryptography;

namespace CrafyCaptcha.Cryptography;

/// <summary>
/// Runs the legacy v2 key derivation (Argon2id, libsodium INTERACTIVE: 2 passes, 64 MiB) with a bound on how many
/// derivations run at once, so that a flood of v2 values cannot exhaust memory or CPU. A caller that cannot get a
/// slot within the wait gets no key: the value is then reported as not openable, never queued without limit.
/// </summary>
internal sealed class Argon2Gate
{
    private static readonly Argon2Parameters Interactive = new()
    {
        DegreeOfParallelism = 1,
        MemorySize = 65536,
        NumberOfPasses = 2,
    };

    private readonly SemaphoreSlim _slots;
    private readonly TimeSpan _wait;
    private readonly PasswordBasedKeyDerivationAlgorithm _argon2id = PasswordBasedKeyDerivationAlgorithm.Argon2id(Interactive);

    public Argon2Gate(int maxConcurrent, TimeSpan wait)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrent, 1);
        _slots = new SemaphoreSlim(maxConcurrent, maxConcurrent);
        _wait = wait;
        MaxConcurrent = maxConcurrent;
    }

    /// <summary>The process-wide gate: at most two derivations (128 MiB) at once, waiting at most two seconds.</summary>
    public static Argon2Gate Shared { get; } = new(2, TimeSpan.FromSeconds(2));

    public int MaxConcurrent { get; }

    public int InFlight => MaxConcurrent - _slots.CurrentCount;

    /// <summary>Derives the v2 key for <paramref name="salt"/>, or returns <see langword="null"/> when no slot is free in time.</summary>
    public Key? DeriveKey(ReadOnlySpan<byte> passwordUtf8, ReadOnlySpan<byte> salt, AeadAlgorithm aead)
    {
        if (!_slots.Wait(_wait))
        {
            return null;
        }

        Span<byte> keyBytes = stackalloc byte[32];
        try
        {
            // The byte[] overload: the string overload would hash UTF-16 and not match libsodium.
            _argon2id.DeriveBytes(passwordUtf8, salt, keyBytes);
            return Key.Import(aead, keyBytes, KeyBlobFormat.RawSymmetricKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyBytes);
            _slots.Release();
        }
    }
}
