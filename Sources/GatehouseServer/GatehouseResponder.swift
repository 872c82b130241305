import Foundation
import GatehouseControl
import GatehouseFunctions
import GatehouseGateway
import GatehouseModel
import Hummingbird

/// The one responder behind the listener: Gatehouse's own endpoints under `/_gatehouse/`,
/// invoke URLs to the data plane, everything else (`@connections` included) to the control plane.
struct GatehouseResponder: HTTPResponder {
    typealias Context = GatehouseRequestContext

    let controlPlane: ControlPlane
    let gateway: Gateway
    let runtimeAPI: RuntimeAPI
    let admission: RequestAdmission
    let code: CodeStore
    let version: String

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = IncomingRequest.split(request.head.path ?? "/").path
        let destination = Destination(host: request.head.authority, rawPath: path, deployed: gateway.directory.current)
        let incoming: IncomingRequest
        do {
            incoming = try await IncomingRequest(request, context: context, upTo: admission.maxBodyBytes(destination))
        } catch {
            // A chunked body past the limit (a declared one was refused before it was read).
            return Response(admission.tooLarge(destination, path: path))
        }
        switch destination {
        case .gateway(let target):
            return Response(await gateway.handle(incoming, target: target))
        case .runtimeAPI:
            return Response(await runtimeAPI.handle(incoming))
        case .gatehouse:
            return Response(gatehouse(incoming))
        case .controlPlane:
            return Response(await controlPlane.handle(incoming))
        case .connections(let endpoint):
            var scope = ["Stage": endpoint.stage]
            scope["ApiId"] = endpoint.apiID
            return Response(await controlPlane.handle(incoming, routedPath: endpoint.routedPath, scope: scope))
        }
    }

    /// Gatehouse's own endpoints: health and code downloads.
    private func gatehouse(_ request: IncomingRequest) -> OutgoingResponse {
        if request.rawPath == "/_gatehouse/health" {
            return .json(["status": "ok", "version": .string(version)])
        }
        return codeDownload(request.rawPath)
            ?? ControlPlane.errorResponse(AWSError("NotFoundException", status: 404, "No Gatehouse endpoint at \(request.rawPath)"))
    }

    /// `GET /_gatehouse/code/{function}/{sha}.zip`: the package `GetFunction`'s `Code.Location` points at.
    private func codeDownload(_ path: String) -> OutgoingResponse? {
        guard path.hasPrefix("/_gatehouse/code/"), path.hasSuffix(".zip") else { return nil }
        guard let zip = code.zip(fileName: String(path.split(separator: "/").last!.dropLast(4))) else {
            return OutgoingResponse(status: 404, headers: [("Content-Type", "application/json")], body: Data(#"{"message":"No such code"}"#.utf8))
        }
        return OutgoingResponse(status: 200, headers: [("Content-Type", "application/zip")], body: zip)
    }
}
