export default function Home() {
  return (
    <main>
      <h1>fusewire + Next.js</h1>
      <p>
        POST /api/chat (streaming), GET /api/boom (throws), GET /api/moved (redirect), GET /api/hello (Pages Router),
        GET /api/edge (edge runtime, untraced).
      </p>
    </main>
  );
}
