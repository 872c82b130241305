import Foundation
import GatehouseControl
import GatehouseModel
import Hummingbird

/// The one responder behind the listener: Gatehouse's own endpoints under `/_gatehouse/`,
/// everything else to the control plane.
struct GatehouseResponder: HTTPResponder {
    typealias Context = GatehouseRequestContext

    let controlPlane: ControlPlane
    let version: String

    func respond(to request: Request, context: Context) async throws -> Response {
        if request.uri.path == "/_gatehouse/health" {
            return Response(.json(["status": "ok", "version": .string(version)]))
        }
        let incoming: IncomingRequest
        do {
            incoming = try await IncomingRequest(request, context: context)
        } catch {
            return Response(ControlPlane.errorResponse(
                AWSError("RequestEntityTooLargeException", status: 413, "Request must be smaller than \(context.maxUploadSize) bytes.")))
        }
        return Response(await controlPlane.handle(incoming))
    }
}
