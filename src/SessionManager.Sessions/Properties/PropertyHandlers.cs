using SessionManager.Icp.Handlers;
using SessionManager.Icp.Protocol;

namespace SessionManager.Sessions.Properties;

/// <summary>
/// ICP 9, 10, 11 and 17, answered at once from the <see cref="PropertyStore"/> (never queued behind
/// a logon: the RDS asks them before LogonUser, SESSIONS.md §6).
/// </summary>
public sealed class PropertyHandlers(PropertyStore store) :
    IIcpRequestHandler<PropertyBoolRequest, PropertyBoolResponse>,
    IIcpRequestHandler<PropertyNumberRequest, PropertyNumberResponse>,
    IIcpRequestHandler<PropertyStringRequest, PropertyStringResponse>,
    IIcpRequestHandler<PropertyBulkRequest, PropertyBulkResponse>
{
    public ValueTask<IcpAnswer<PropertyBoolResponse>> HandleAsync(PropertyBoolRequest request, IcpRequestContext context)
    {
        bool found = store.TryGetBool(request.ConnectionId, request.Path, out bool value);
        return ValueTask.FromResult<IcpAnswer<PropertyBoolResponse>>(new PropertyBoolResponse { Value = value, Success = found });
    }

    public ValueTask<IcpAnswer<PropertyNumberResponse>> HandleAsync(PropertyNumberRequest request, IcpRequestContext context)
    {
        bool found = store.TryGetNumber(request.ConnectionId, request.Path, out int value);
        return ValueTask.FromResult<IcpAnswer<PropertyNumberResponse>>(new PropertyNumberResponse { Value = unchecked((uint)value), Success = found });
    }

    public ValueTask<IcpAnswer<PropertyStringResponse>> HandleAsync(PropertyStringRequest request, IcpRequestContext context)
    {
        bool found = store.TryGetString(request.ConnectionId, request.Path, out string value);
        return ValueTask.FromResult<IcpAnswer<PropertyStringResponse>>(new PropertyStringResponse { Value = value, Success = found });
    }

    /// <summary>Exactly one result per request, in order: the RDS rejects the whole answer otherwise.</summary>
    public ValueTask<IcpAnswer<PropertyBulkResponse>> HandleAsync(PropertyBulkRequest request, IcpRequestContext context)
    {
        var response = new PropertyBulkResponse();
        foreach (var property in request.Properties)
        {
            response.Results.Add(Resolve(request.ConnectionId, property));
        }

        return ValueTask.FromResult<IcpAnswer<PropertyBulkResponse>>(response);
    }

    private PropertyValue Resolve(uint connectionId, PropertyReq property)
    {
        switch (property.PropertyType)
        {
            case EnumPropertyType.PropBool when store.TryGetBool(connectionId, property.PropertyPath, out bool b):
                return new PropertyValue { Success = true, BoolValue = b };
            case EnumPropertyType.PropNumber when store.TryGetNumber(connectionId, property.PropertyPath, out int n):
                return new PropertyValue { Success = true, IntValue = n };
            case EnumPropertyType.PropString when store.TryGetString(connectionId, property.PropertyPath, out string s):
                return new PropertyValue { Success = true, StringValue = s };
            default:
                return new PropertyValue { Success = false };
        }
    }
}
