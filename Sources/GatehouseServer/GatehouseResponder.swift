import Foundation
import GatehouseControl
import GatehouseGateway
import GatehouseModel
import Hummingbird

/// The one responder behind the listener: Gatehouse's own endpoints under `/_gatehouse/`,
/// invoke URLs to the data plane, everything else to the control plane.
struct GatehouseResponder: HTTPResponder {
    typealias Context = GatehouseRequestContext

    let controlPlane: ControlPlane
    let gateway: Gateway
    let deployer: Deployer
    let version: String

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        if path == "/_gatehouse/health" {
            return Response(.json(["status": "ok", "version": .string(version)]))
        }
        let target = InvokeTarget(host: request.head.authority, rawPath: request.head.path.map { String($0.prefix { $0 != "?" }) } ?? path)
        let incoming: IncomingRequest
        do {
            incoming = try await IncomingRequest(request, context: context)
        } catch {
            let tooLarge = AWSError("RequestEntityTooLargeException", status: 413, "Request must be smaller than \(context.maxUploadSize) bytes.")
            return Response(ControlPlane.errorResponse(tooLarge))
        }
        if let target {
            return Response(await gateway.handle(incoming, target: target))
        }
        let response = await controlPlane.handle(incoming)
        // Make a deployment live before the API answers that it was made.
        if incoming.method != "GET", response.status < 300 {
            try? await deployer.refresh()
        }
        return Response(response)
    }
}
