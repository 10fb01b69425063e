"""Simple line icons drawn with pygame, so each trouble screen is recognisable at a glance
by someone who does not read the words (no image files to ship or lose)."""

from __future__ import annotations

import math

import pygame

from kiosk.draw import Color


def star(surface: pygame.Surface, center: tuple[int, int], radius: int, color: Color) -> None:
    cx, cy = center
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.4
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    pygame.draw.polygon(surface, color, points)


def printer(surface: pygame.Surface, rect: pygame.Rect, color: Color, back: Color, *,
            warning: bool = True) -> None:
    """A printer with an empty paper slot and a warning mark (none once it is ready)."""
    w, h = rect.width, rect.height
    line = max(3, w // 30)
    body = pygame.Rect(rect.left, rect.top + h * 0.35, w, h * 0.4)
    pygame.draw.rect(surface, color, body, line, border_radius=w // 20)
    top = pygame.Rect(rect.left + w * 0.2, rect.top + h * 0.12, w * 0.6, h * 0.25)
    pygame.draw.rect(surface, color, top, line, border_radius=w // 40)
    slot = pygame.Rect(rect.left + w * 0.2, rect.top + h * 0.62, w * 0.6, h * 0.1)
    pygame.draw.rect(surface, color, slot)
    if not warning:
        return
    bang = pygame.Rect(0, 0, w * 0.34, w * 0.34)
    bang.center = (rect.right - w * 0.1, rect.top + h * 0.82)
    pygame.draw.circle(surface, color, bang.center, bang.width // 2)
    pygame.draw.line(surface, back, (bang.centerx, bang.top + bang.height * 0.2),
                     (bang.centerx, bang.top + bang.height * 0.6), max(3, line))
    pygame.draw.circle(surface, back, (bang.centerx, bang.top + bang.height * 0.78),
                       max(2, line // 1.5))


def no_signal(surface: pygame.Surface, rect: pygame.Rect, color: Color) -> None:
    """Radio waves crossed out: no connection."""
    cx, bottom = rect.centerx, rect.top + rect.height * 0.8
    line = max(4, rect.width // 22)
    for i in range(1, 4):
        r = rect.width * 0.16 * i
        box = pygame.Rect(cx - r, bottom - r, 2 * r, 2 * r)
        pygame.draw.arc(surface, color, box, math.radians(45), math.radians(135), line)
    pygame.draw.circle(surface, color, (cx, bottom - line), line)
    pygame.draw.line(surface, color, (rect.left + rect.width * 0.12, rect.top + rect.height * 0.1),
                     (rect.right - rect.width * 0.12, rect.bottom - rect.height * 0.05), line)


def clock(surface: pygame.Surface, rect: pygame.Rect, color: Color) -> None:
    r = min(rect.width, rect.height) // 2
    center = rect.center
    line = max(4, r // 10)
    pygame.draw.circle(surface, color, center, r, line)
    for i in range(12):
        a = i * math.pi / 6
        inner, outer = r * 0.78, r * 0.9
        pygame.draw.line(surface, color,
                         (center[0] + inner * math.sin(a), center[1] - inner * math.cos(a)),
                         (center[0] + outer * math.sin(a), center[1] - outer * math.cos(a)),
                         max(2, line // 2))
    pygame.draw.line(surface, color, center, (center[0], center[1] - r * 0.6), line)
    pygame.draw.line(surface, color, center, (center[0] + r * 0.45, center[1]), line)


def warning(surface: pygame.Surface, rect: pygame.Rect, color: Color, back: Color) -> None:
    r = min(rect.width, rect.height) // 2
    cx, cy = rect.center
    pygame.draw.circle(surface, color, (cx, cy), r)
    line = max(5, r // 6)
    pygame.draw.line(surface, back, (cx, cy - r * 0.55), (cx, cy + r * 0.15), line)
    pygame.draw.circle(surface, back, (cx, cy + r * 0.45), line * 0.7)


def hourglass(surface: pygame.Surface, rect: pygame.Rect, color: Color) -> None:
    x0, x1 = rect.left + rect.width * 0.2, rect.right - rect.width * 0.2
    y0, y1, ym = rect.top, rect.bottom, rect.centery
    line = max(4, rect.width // 25)
    pygame.draw.lines(surface, color, True, [(x0, y0), (x1, y0), (rect.centerx, ym)], line)
    pygame.draw.lines(surface, color, True, [(x0, y1), (x1, y1), (rect.centerx, ym)], line)
    pygame.draw.polygon(surface, color, [(x0 + rect.width * 0.08, y1 - line),
                                         (x1 - rect.width * 0.08, y1 - line),
                                         (rect.centerx, y1 - rect.height * 0.25)])


def arrow_down(surface: pygame.Surface, rect: pygame.Rect, color: Color) -> None:
    shaft = pygame.Rect(0, 0, rect.width * 0.34, rect.height * 0.55)
    shaft.midtop = rect.midtop
    pygame.draw.rect(surface, color, shaft)
    pygame.draw.polygon(surface, color, [(rect.left, shaft.bottom), (rect.right, shaft.bottom),
                                         (rect.centerx, rect.bottom)])


def spinner(surface: pygame.Surface, center: tuple[int, int], radius: int, color: Color,
            dim: Color, phase: float) -> None:
    """Twelve dots, one bright, turning with `phase` (seconds)."""
    lit = int(phase * 12) % 12
    for i in range(12):
        a = i * math.pi / 6
        pos = (center[0] + radius * math.sin(a), center[1] - radius * math.cos(a))
        size = radius * (0.16 if i == lit else 0.11)
        pygame.draw.circle(surface, color if i == lit else dim, pos, size)
