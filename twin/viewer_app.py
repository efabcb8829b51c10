"""A point-cloud viewer window in a process of its own.

``python -m citytwin.twin.viewer_app cloud.laz --budget 2000000 --colour classification``

The 3D View dock offers it as "Separate window": when VTK cannot run inside the QGIS
desktop (no OpenGL context, a driver crash), this process may fail, but QGIS cannot.
It reads and thins the cloud with the same code as the dock and shows the same scene
in PyVista's own window (scalar bars allowed here: this is not the QGIS process).
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="CityTwin point-cloud viewer")
    parser.add_argument("path")
    parser.add_argument("--budget", type=int, default=2_000_000)
    parser.add_argument("--colour", default="auto")
    parser.add_argument("--camera", default="oblique_south")
    parser.add_argument("--screenshot", help="render offscreen to this PNG and exit (for tests)")
    args = parser.parse_args(argv)

    from ..common.errors import CityTwinError
    from .reader import read_cloud
    from .render import apply_camera, render_png
    from .scene import SceneSpec, build_plotter

    try:
        cloud = read_cloud(args.path, budget=args.budget)
        scene = SceneSpec(cloud=cloud, colour_by=args.colour, desktop_safe=False, title=args.path)
    except CityTwinError as exc:
        print(f"CityTwin viewer: {exc}", file=sys.stderr)
        return 2
    if args.screenshot:
        render_png(scene, args.screenshot, camera=args.camera)
        return 0
    import pyvista as pv

    plotter = pv.Plotter(title=f"CityTwin — {args.path}")
    build_plotter(scene, plotter)
    apply_camera(scene, plotter, args.camera)
    plotter.show()
    return 0


if __name__ == "__main__":
    sys.exit(main())
