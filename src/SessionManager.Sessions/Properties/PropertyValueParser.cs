using System.Globalization;

namespace SessionManager.Sessions.Properties;

/// <summary>Configuration text as the type the RDS server asks for.</summary>
internal static class PropertyValueParser
{
    public static bool TryParseBool(string text, out bool value)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "true" or "yes" or "1":
                value = true;
                return true;
            case "false" or "no" or "0":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    /// <summary>A number as the RDS reads it: a 32-bit integer (negative allowed, e.g. -1 = not set).</summary>
    public static bool TryParseNumber(string text, out int value)
    {
        if (int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        if (uint.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out uint unsigned))
        {
            value = unchecked((int)unsigned);
            return true;
        }

        return false;
    }
}
