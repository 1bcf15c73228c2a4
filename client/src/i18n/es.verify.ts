import type { enVerify } from './en.verify.js';

export const esVerify: Record<keyof typeof enVerify, string> = {
  'verify.link': 'Verificar esta página',
  'verify.title': 'Verificar esta página',
  'verify.intro': 'Tu navegador compara el código que cargó esta página con la lista de archivos de esta versión de Hearth.',
  'verify.digest': 'Huella de la versión',
  'verify.checking': 'Comprobando los archivos que cargó esta página…',
  'verify.allMatch': 'Los {count} archivos que cargó esta página coinciden con la versión.',
  'verify.someDiffer': '{count} de {total} archivos que cargó esta página no coinciden con la versión.',
  'verify.noManifest': 'Este servidor no publica la lista de su versión, así que no hay nada con que comparar.',
  'verify.badList': 'La lista de la versión no corresponde a su huella.',
  'verify.files': 'Archivos que cargó esta página',
  'verify.state.match': 'coincide',
  'verify.state.differs': 'no coincide',
  'verify.state.unlisted': 'no forma parte de la versión',
  'verify.state.unreadable': 'no se pudo volver a leer',
  'verify.caveat': 'Un servidor que cambiara el código podría cambiar también esta comprobación. Para estar seguro, compara la huella de arriba con la que publicó tu centro, desde otro dispositivo (consulta «Verificar el cliente» en la documentación de Hearth).',
  'verify.close': 'Cerrar',
};
